//! The trust of an asset (semantics: "Trust of an asset") as a value that depends on the
//! configuration: removing a hosting entry can change which host an asset takes its trust
//! from.

use std::collections::HashMap;

use ensure_model::{AssetId, RelationRef};

use super::config::Config;
use super::ir::*;

/// Trust values, computed once per asset.
#[derive(Default)]
pub struct Trust {
    memo: HashMap<AssetId, Guarded<u8>>,
}

impl Trust {
    pub fn of(&mut self, cfg: &Config, a: AssetId) -> Guarded<u8> {
        let mut visiting = Vec::new();
        self.compute(cfg, a, &mut visiting)
    }

    fn compute(&mut self, cfg: &Config, a: AssetId, visiting: &mut Vec<AssetId>) -> Guarded<u8> {
        if let Some(g) = self.memo.get(&a) {
            return g.clone();
        }
        // A chain of zones and hosts that comes back to an asset gives no trust.
        if visiting.contains(&a) {
            return Guarded::constant(0);
        }
        visiting.push(a);
        let asset = cfg.model.asset(a);
        let g = if let Some(t) = asset.trust {
            Guarded::constant(t)
        } else if let Some(z) = asset.zone {
            self.compute(cfg, z, visiting)
        } else {
            let fallback = match asset.org {
                Some(o) => self.compute(cfg, o, visiting),
                None => Guarded::constant(0),
            };
            let hosts: Vec<(Expr, Guarded<u8>)> = cfg
                .hostings_of(a)
                .to_vec()
                .into_iter()
                .map(|h| {
                    let alive =
                        cfg.relation_alive(RelationRef::Hosting(ensure_model::HostingId(h as u32)));
                    let on = cfg.model.hosting[h].on;
                    (alive, self.compute(cfg, on, visiting))
                })
                .collect();
            min_of_hosts(&hosts, fallback)
        };
        visiting.pop();
        // Values computed inside a cycle depend on where the cycle was entered; keep only
        // those computed from the outside.
        if visiting.is_empty() {
            self.memo.insert(a, g.clone());
        }
        g
    }
}

/// The least trust among the hosts in place, or `fallback` when none is.
fn min_of_hosts(hosts: &[(Expr, Guarded<u8>)], fallback: Guarded<u8>) -> Guarded<u8> {
    if hosts.is_empty() {
        return fallback;
    }
    let none_alive = and(hosts.iter().map(|(alive, _)| not(alive.clone())));
    let mut out: Vec<(Expr, u8)> = fallback
        .0
        .into_iter()
        .map(|(c, v)| (and2(none_alive.clone(), c), v))
        .collect();
    for v in 0..=10u8 {
        let some_is_v = or(hosts
            .iter()
            .map(|(alive, t)| and2(alive.clone(), t.test(|x| *x == v))));
        let all_at_least_v = and(hosts
            .iter()
            .map(|(alive, t)| or2(not(alive.clone()), t.test(|x| *x >= v))));
        out.push((and2(some_is_v, all_at_least_v), v));
    }
    Guarded(out).merged()
}
