(declare-const |reached lan.foothold| Bool)
(declare-const |reached db.use| Bool)
(declare-const |reached db.read| Bool)
(declare-const |reached db.exfiltrate| Bool)
(declare-const |reached pii.disclose| Bool)
(declare-const |reached clerk-account.use| Bool)
(declare-const |reached clerk-account.compromise| Bool)
(declare-const |reached clerk-account.read| Bool)
(declare-const |reached clerk-account.deny| Bool)
(declare-const |reached clerk-account.credential-theft| Bool)
(declare-const |reached clerk-account.credential-stuffing| Bool)
(declare-const |reached clerk-account.authenticate| Bool)
(declare-const |reached clerk-account.misuse| Bool)
; lan.foothold: reached only if justified
(assert (=> |reached lan.foothold| |reached clerk-account.compromise|))
; lan.foothold: reached if clerk-account.compromise is
(assert (=> |reached clerk-account.compromise| |reached lan.foothold|))
; db.use: reached only if justified
(assert (=> |reached db.use| |reached clerk-account.misuse|))
; db.use: reached if clerk-account.misuse is
(assert (=> |reached clerk-account.misuse| |reached db.use|))
; db.read: reached only if justified
(assert (=> |reached db.read| |reached db.use|))
; db.read: reached if db.use is
(assert (=> |reached db.use| |reached db.read|))
; db.exfiltrate: reached only if justified
(assert (=> |reached db.exfiltrate| |reached db.use|))
; db.exfiltrate: reached if db.use is
(assert (=> |reached db.use| |reached db.exfiltrate|))
; pii.disclose: reached only if justified
(assert (=> |reached pii.disclose| (or |reached db.read| |reached db.exfiltrate|)))
; pii.disclose: reached if db.read is
(assert (=> |reached db.read| |reached pii.disclose|))
; pii.disclose: reached if db.exfiltrate is
(assert (=> |reached db.exfiltrate| |reached pii.disclose|))
; clerk-account.use: reached if it is a possible entry
(assert |reached clerk-account.use|)
; clerk-account.compromise: reached if it is a possible entry
(assert |reached clerk-account.compromise|)
; clerk-account.read: reached if it is a possible entry
(assert |reached clerk-account.read|)
; clerk-account.read: reached if clerk-account.use is
(assert (=> |reached clerk-account.use| |reached clerk-account.read|))
; clerk-account.read: reached if clerk-account.compromise is
(assert (=> |reached clerk-account.compromise| |reached clerk-account.read|))
; clerk-account.deny: reached if it is a possible entry
(assert |reached clerk-account.deny|)
; clerk-account.deny: reached if clerk-account.compromise is
(assert (=> |reached clerk-account.compromise| |reached clerk-account.deny|))
; clerk-account.credential-theft: reached if it is a possible entry
(assert |reached clerk-account.credential-theft|)
; clerk-account.credential-stuffing: reached if it is a possible entry
(assert |reached clerk-account.credential-stuffing|)
; clerk-account.authenticate: reached if it is a possible entry
(assert |reached clerk-account.authenticate|)
; clerk-account.authenticate: reached if clerk-account.credential-theft is
(assert (=> |reached clerk-account.credential-theft| |reached clerk-account.authenticate|))
; clerk-account.authenticate: reached if clerk-account.credential-stuffing is
(assert (=> |reached clerk-account.credential-stuffing| |reached clerk-account.authenticate|))
; clerk-account.misuse: reached if it is a possible entry
(assert |reached clerk-account.misuse|)
; clerk-account.misuse: reached if clerk-account.authenticate is
(assert (=> |reached clerk-account.authenticate| |reached clerk-account.misuse|))
; more than max_assets assets are reached
(assert (and |reached lan.foothold| (or |reached db.use| |reached db.read| |reached db.exfiltrate|) |reached pii.disclose|))
(check-sat)
