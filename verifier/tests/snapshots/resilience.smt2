(declare-const |down dmz| Bool)
(declare-const |failed dmz| Bool)
(declare-const |down web| Bool)
(declare-const |failed web| Bool)
(declare-const |rank web| Int)
(declare-const |down db| Bool)
(declare-const |failed db| Bool)
(declare-const |down checkout| Bool)
(declare-const |rank checkout| Int)
; dmz: down only if failed or a dependency is unmet
(assert (=> |down dmz| |failed dmz|))
; web: down only if failed or a dependency is unmet
(assert (=> |down web| (or |failed web| (and |down checkout| (< |rank checkout| |rank web|) |down dmz|))))
; db: down only if failed or a dependency is unmet
(assert (=> |down db| |failed db|))
; checkout: down only if failed or a dependency is unmet
(assert (=> |down checkout| (or |down db| (and |down web| (< |rank web| |rank checkout|)))))
; checkout is down
(assert |down checkout|)
; at most 1 failures
(assert ((_ at-most 1) |failed dmz| |failed web| |failed db|))
(check-sat)
