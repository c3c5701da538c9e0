(declare-const |on tls-db| Bool)
(declare-const |on no-clerk-db| Bool)
(declare-const |member clerk| Bool)
(declare-const |reached db.use| Bool)
(declare-const |reached db.read| Bool)
(declare-const |reached db.exfiltrate| Bool)
(declare-const |reached pii.disclose| Bool)
(declare-const |reached clerk.misuse| Bool)
(declare-const |reached clerk-account.misuse| Bool)
; db.use: reached only if justified
(assert (=> |reached db.use| (and |reached clerk-account.misuse| (not |on no-clerk-db|))))
; db.read: reached only if justified
(assert (=> |reached db.read| |reached db.use|))
; db.exfiltrate: reached only if justified
(assert (=> |reached db.exfiltrate| |reached db.use|))
; pii.disclose: reached only if justified
(assert (=> |reached pii.disclose| (or |reached db.read| |reached db.exfiltrate|)))
; clerk.misuse: reached only if justified
(assert (=> |reached clerk.misuse| |member clerk|))
; clerk-account.misuse: reached only if justified
(assert (=> |reached clerk-account.misuse| |reached clerk.misuse|))
; a step of db is reached
(assert (or |reached db.use| |reached db.read| |reached db.exfiltrate|))
; a step of pii is reached
(assert |reached pii.disclose|)
(check-sat)
