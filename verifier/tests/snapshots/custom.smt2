(declare-const |on tls-db| Bool)
(declare-const |on no-clerk-db| Bool)
(declare-const |f = f-web-db| Bool)
(declare-const |f = f-web-partner| Bool)
; one value of f
(assert (and ((_ at-most 1) |f = f-web-db| |f = f-web-partner|) (or |f = f-web-db| |f = f-web-partner|)))
; the formula is false
(assert (and (=> |f = f-web-db| (not |on tls-db|)) (not |f = f-web-partner|)))
(check-sat)
