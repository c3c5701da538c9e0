(declare-const |connected partner| Bool)
(declare-const |rank partner| Int)
(declare-const |connected web| Bool)
(declare-const |rank web| Int)
(declare-const |connected db| Bool)
(declare-const |rank db| Int)
(declare-const |holder partner| Bool)
(declare-const |holder web| Bool)
; partner: connected only through a storer
(assert (=> |connected partner| (and |connected web| (< |rank web| |rank partner|))))
; partner: connected if web is, through f-web-partner
(assert (=> |connected web| |connected partner|))
; web: connected only through a storer
(assert (=> |connected web| (or (and |connected db| (< |rank db| |rank web|)) (and |connected partner| (< |rank partner| |rank web|)))))
; web: connected if db is, through f-web-db
(assert (=> |connected db| |connected web|))
; web: connected if partner is, through f-web-partner
(assert (=> |connected partner| |connected web|))
; db: connected if it stores the data
(assert |connected db|)
; db: connected if web is, through f-web-db
(assert (=> |connected web| |connected db|))
; one holder is chosen
(assert (and ((_ at-most 1) |holder partner| |holder web|) (or |holder partner| |holder web|)))
(check-sat)
