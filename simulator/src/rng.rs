//! Counter-based random numbers: every draw is a pure function of what it is for.
//!
//! The semantics ask that each random quantity depend only on `(seed, trial, campaign, what it
//! is for, the stable key of the element)`. A stream generator (ChaCha and the like) would make
//! a draw depend on how many draws came before it, so a variant that adds one control would
//! shift every later number. Here a draw is a keyed hash instead:
//!
//! ```text
//! trial key     T = mix(mix(seed) ^ trial)
//! campaign key  C = mix(T ^ mix(actor_key + k * GOLDEN))      k-th campaign of the actor
//! draw bits       = mix(mix(C ^ element_key) ^ (purpose | sub << 8))
//! ```
//!
//! where `mix` is the SplitMix64 output function (a bijective 64-bit mixer with full
//! avalanche) and an element key is [`key_of`] its id text (`asset.step` for a step). Draws
//! that are not part of a campaign (cascades, outage losses, how many campaigns an actor
//! starts and when) use the trial-level campaign [`TRIAL_LEVEL`]. `sub` numbers the uniforms
//! of a draw that needs several (a Gamma variate's rejection loop, a Beta's two Gammas).
//!
//! Because keys come from ids and not from indices, a baseline and a variant of a model draw
//! the same numbers for the elements they share (common random numbers), and nothing depends
//! on the thread count or on the order in which trials run.

pub(crate) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function of state `x`: a bijection of `u64` with full avalanche.
#[inline(always)]
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stable 64-bit key of an element's id text (FNV-1a, then mixed so that ids differing
/// in one character give unrelated keys).
pub fn key_of(id: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix(h)
}

/// The key of an ordered pair of elements, e.g. (control, step) for a control's stop draw.
#[inline]
pub fn pair_key(a: u64, b: u64) -> u64 {
    mix(a ^ mix(b))
}

/// What a draw is for. The numbers are part of the reproducibility contract: changing one
/// changes every simulation result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Purpose {
    /// Whether a step succeeds at all (`p_success`).
    Success = 1,
    /// A step's time to compromise.
    Ttc = 2,
    /// Whether one control stops one step (element: `pair_key(control, step)`).
    ControlStop = 3,
    /// Whether one monitor detects one step (element: `pair_key(monitor, step)`).
    Detect = 4,
    /// The monitor's delay to the alert.
    DetectDelay = 5,
    /// The response time from the alert to the stop.
    Response = 6,
    /// How long the outage a step causes lasts.
    Outage = 7,
    /// An impact's loss (element: the impact, or `pair_key(impact, episode)` for outages).
    Loss = 8,
    /// How many campaigns an actor starts in a trial.
    CampaignCount = 9,
    /// When an actor's campaign starts (sub-stream: the campaign's index).
    CampaignStart = 10,
    /// Whether a dependency episode propagates (element: `pair_key(dependency, episode)`).
    Propagate = 11,
    /// The delay before a propagated outage reaches the service.
    PropagateDelay = 12,
    /// The time a service takes to recover once what it needs is back.
    Recovery = 13,
}

/// The key of a trial.
#[inline]
pub fn trial_key(seed: u64, trial: u64) -> u64 {
    mix(mix(seed) ^ trial)
}

/// The key of the `index`-th campaign of the actor with key `actor_key` in a trial.
#[inline]
pub fn campaign_key(trial_key: u64, actor_key: u64, index: u32) -> u64 {
    mix(trial_key ^ campaign_salt(actor_key, index))
}

/// The part of a campaign key that does not depend on the trial (the same in every trial,
/// so it can be computed once): `campaign_key(T, a, k) == mix(T ^ campaign_salt(a, k))`.
#[inline]
pub(crate) fn campaign_salt(actor_key: u64, index: u32) -> u64 {
    mix(actor_key.wrapping_add(u64::from(index).wrapping_mul(GOLDEN)))
}

/// The pseudo-actor whose campaign 0 carries the draws that belong to the trial as a whole.
pub const TRIAL_LEVEL: u64 = 0x7472_6961_6C00_0000; // "trial" in ASCII

/// The key of the trial-level pseudo-campaign.
#[inline]
pub fn trial_level_key(trial_key: u64) -> u64 {
    campaign_key(trial_key, TRIAL_LEVEL, 0)
}

/// The stream of uniforms for one element and purpose within a campaign.
#[derive(Debug, Clone, Copy)]
pub struct Stream {
    base: u64,
    purpose: u64,
}

impl Stream {
    #[inline(always)]
    pub fn new(campaign: u64, element: u64, purpose: Purpose) -> Stream {
        Stream::from_element_hash(mix(campaign ^ element), purpose)
    }

    /// From `mix(campaign ^ element)`, computed once when one element needs several purposes.
    #[inline(always)]
    pub(crate) fn from_element_hash(h: u64, purpose: Purpose) -> Stream {
        Stream {
            base: h,
            purpose: purpose as u64,
        }
    }

    /// The raw bits of uniform number `sub` of this stream.
    #[inline(always)]
    pub fn bits(&self, sub: u32) -> u64 {
        mix(self.base ^ (self.purpose | (u64::from(sub) << 8)))
    }

    /// Uniform number `sub` of this stream, in the open interval (0, 1).
    #[inline(always)]
    pub fn u(&self, sub: u32) -> f64 {
        unit(self.bits(sub))
    }
}

/// 52 random bits to a uniform in the open interval (0, 1): never 0 nor 1, so logarithms and
/// quantile functions need no special cases. (With 53 bits, the largest value plus one half
/// would round up to exactly 1.)
#[inline(always)]
pub fn unit(bits: u64) -> f64 {
    ((bits >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

/// The uniform a simulation compares with a control's efficacy to decide whether the control
/// stops a step: the control stops the step in that campaign when the draw is below its
/// efficacy. This is exactly the number a simulation uses, whether or not the control is on,
/// so a planner can ask "would control `control_id` have stopped `step_label` in campaign
/// `index` of `actor_id` in trial `trial`?" without re-simulating.
pub fn control_stop_draw(
    seed: u64,
    trial: u64,
    actor_id: &str,
    campaign_index: u32,
    control_id: &str,
    step_label: &str,
) -> f64 {
    let ck = campaign_key(trial_key(seed, trial), key_of(actor_id), campaign_index);
    Stream::new(
        ck,
        pair_key(key_of(control_id), key_of(step_label)),
        Purpose::ControlStop,
    )
    .u(0)
}

/// Whether control `control` would stop step `step` in campaign `campaign_index` of actor
/// `actor` in trial `trial`, were it on: the draw of [`control_stop_draw`] against the
/// control's efficacy on that step (its effects on the step combined). A control without an
/// effect on the step never stops it.
pub fn control_would_stop(
    model: &ensure_model::Model,
    seed: u64,
    trial: u64,
    actor: ensure_model::ActorId,
    campaign_index: u32,
    control: ensure_model::ControlId,
    step: ensure_model::StepId,
) -> bool {
    let c = &model.controls[control.idx()];
    let keep: f64 = c
        .effects
        .iter()
        .filter(|e| e.step == step)
        .map(|e| 1.0 - e.efficacy)
        .product();
    let efficacy = 1.0 - keep;
    efficacy > 0.0
        && control_stop_draw(
            seed,
            trial,
            &model.actors[actor.idx()].id,
            campaign_index,
            &c.id,
            &model.step_label(step),
        ) < efficacy
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kolmogorov–Smirnov distance of a sample from the uniform distribution.
    fn ks_uniform(mut xs: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter()
            .enumerate()
            .map(|(i, x)| {
                let lo = x - i as f64 / n;
                let hi = (i + 1) as f64 / n - x;
                lo.max(hi)
            })
            .fold(0.0, f64::max)
    }

    /// At 99.9 %, the KS critical distance is about 1.95 / sqrt(n).
    fn check_uniform(xs: Vec<f64>, what: &str) {
        let n = xs.len() as f64;
        let d = ks_uniform(xs);
        assert!(d < 1.95 / n.sqrt(), "{what}: KS distance {d} for n = {n}");
    }

    #[test]
    fn draws_are_uniform_across_trials_elements_campaigns_and_subs() {
        let step = key_of("db.exfiltrate");
        let actor = key_of("phishers");
        let across_trials = (0..20_000u64)
            .map(|t| Stream::new(campaign_key(trial_key(7, t), actor, 0), step, Purpose::Ttc).u(0))
            .collect();
        check_uniform(across_trials, "across trials");
        let ck = campaign_key(trial_key(7, 3), actor, 0);
        let across_elements = (0..20_000u32)
            .map(|i| Stream::new(ck, key_of(&format!("a{i}.compromise")), Purpose::Ttc).u(0))
            .collect();
        check_uniform(across_elements, "across elements");
        let across_campaigns = (0..20_000u32)
            .map(|k| Stream::new(campaign_key(trial_key(1, 0), actor, k), step, Purpose::Ttc).u(0))
            .collect();
        check_uniform(across_campaigns, "across campaigns");
        let across_subs = (0..20_000u32)
            .map(|i| Stream::new(ck, step, Purpose::Ttc).u(i))
            .collect();
        check_uniform(across_subs, "across sub-streams");
        let across_seeds = (0..20_000u64)
            .map(|s| Stream::new(campaign_key(trial_key(s, 0), actor, 0), step, Purpose::Ttc).u(0))
            .collect();
        check_uniform(across_seeds, "across seeds");
    }

    #[test]
    fn purposes_and_neighbouring_trials_are_uncorrelated() {
        let step = key_of("web.exploit-injection");
        let actor = key_of("web-attacker");
        let n = 20_000u64;
        let pairs: Vec<(f64, f64)> = (0..n)
            .map(|t| {
                let ck = campaign_key(trial_key(11, t), actor, 0);
                let next = campaign_key(trial_key(11, t + 1), actor, 0);
                (
                    Stream::new(ck, step, Purpose::Ttc).u(0),
                    Stream::new(ck, step, Purpose::Success).u(0) * 0.5
                        + Stream::new(next, step, Purpose::Ttc).u(0) * 0.5,
                )
            })
            .collect();
        let mean = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / n as f64;
        let (mx, my) = (mean(&|p| p.0), mean(&|p| p.1));
        let cov = mean(&|p| (p.0 - mx) * (p.1 - my));
        let corr = cov / (mean(&|p| (p.0 - mx).powi(2)) * mean(&|p| (p.1 - my).powi(2))).sqrt();
        // Standard error of a correlation near 0 is 1/sqrt(n) = 0.007.
        assert!(corr.abs() < 0.03, "correlation {corr}");
    }

    #[test]
    fn unit_stays_strictly_inside_zero_one() {
        assert!(unit(0) > 0.0);
        assert!(unit(u64::MAX) < 1.0);
    }

    #[test]
    fn keys_depend_on_text_only() {
        assert_eq!(key_of("db.exfiltrate"), key_of("db.exfiltrate"));
        assert_ne!(key_of("db.exfiltrate"), key_of("db.exfiltratf"));
        assert_ne!(pair_key(1, 2), pair_key(2, 1));
    }

    #[test]
    fn control_stop_draw_is_the_stream_the_simulation_uses() {
        let ck = campaign_key(trial_key(5, 917), key_of("crew"), 2);
        let s = Stream::new(
            ck,
            pair_key(key_of("mfa"), key_of("acct.authenticate")),
            Purpose::ControlStop,
        );
        assert_eq!(
            control_stop_draw(5, 917, "crew", 2, "mfa", "acct.authenticate"),
            s.u(0)
        );
    }
}
