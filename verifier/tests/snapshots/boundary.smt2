(declare-const |on tls-db| Bool)
(declare-const |on no-clerk-db| Bool)
; some flow in place crosses a boundary without the required protection
(assert (not |on tls-db|))
(check-sat)
