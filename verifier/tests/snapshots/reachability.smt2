(declare-const |reached dmz.foothold (+3 steps)| Bool)
(declare-const |reached web.exploit-injection| Bool)
(declare-const |reached db.compromise| Bool)
(declare-const |reached db.read| Bool)
(declare-const |reached db.deny| Bool)
(declare-const |reached db.exfiltrate| Bool)
(declare-const |reached db.tamper| Bool)
(declare-const |reached db.encrypt| Bool)
(declare-const |met waf| Bool)
; dmz.foothold and 3 more steps (a robust component): reached only if justified
(assert (=> |reached dmz.foothold (+3 steps)| |reached web.exploit-injection|))
; db.compromise: reached only if justified
(assert (=> |reached db.compromise| |reached dmz.foothold (+3 steps)|))
; db.read: reached only if justified
(assert (=> |reached db.read| |reached db.compromise|))
; db.deny: reached only if justified
(assert (=> |reached db.deny| |reached db.compromise|))
; db.exfiltrate: reached only if justified
(assert (=> |reached db.exfiltrate| |reached db.compromise|))
; db.tamper: reached only if justified
(assert (=> |reached db.tamper| |reached db.compromise|))
; db.encrypt: reached only if justified
(assert (=> |reached db.encrypt| |reached db.compromise|))
; a step of a target is reached
(assert (or |reached db.compromise| |reached db.read| |reached db.deny| |reached db.exfiltrate| |reached db.tamper| |reached db.encrypt|))
; waf is met where it guards web.exploit-injection
(assert (=> |reached web.exploit-injection| |met waf|))
(check-sat)
