//! Sigma rules (specification 2.0) for the single-event rules of a rule set: one YAML file per
//! chosen monitoring point.
//!
//! Each rule carries `title`, `id` (the native rule's UUID), `name`, `status: experimental`, a
//! `description` that says why it exists (the share of simulated attacks it sees, the lead
//! time, the loss, the paths), `references` (ATT&CK and CAPEC pages), `author`, `date`,
//! `tags` (`attack.<tactic>` and `attack.tXXXX[.YYY]` for the step's active ATT&CK
//! techniques), the `logsource` of [`crate::logsource`], a `detection` on the event fields of
//! [`crate::events`] (`asset` and `step`, or `flow` for an interface), `fields`,
//! `falsepositives`, `level`, and the figures again, machine-readable, under the custom
//! attribute `ensure`.
//!
//! Sequence rules stay native: Sigma's ordered correlation (`temporal_ordered`) is not
//! converted by the common backends (pySigma's Splunk backend among them), and an unordered
//! one would claim less than the rule checks.

use crate::attack::{self, Status};
use crate::native::{Detection, Rule, RuleSet};
use crate::yaml::{self, Y};

/// One rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaFile {
    /// `NAME.yml`, between 10 and 90 characters (the limits of pySigma's filename check).
    pub file_name: String,
    pub text: String,
}

fn kv(k: &str, v: impl Into<Y>) -> (String, Y) {
    (k.to_string(), v.into())
}

fn seq<I: IntoIterator<Item = S>, S: Into<Y>>(items: I) -> Y {
    Y::Seq(items.into_iter().map(Into::into).collect())
}

/// `12.3 %`.
fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// Hours with at most three significant digits, or days beyond three days.
fn hours(h: f64) -> String {
    if h >= 72.0 {
        format!("{:.1} d", h / 24.0)
    } else if h >= 10.0 {
        format!("{h:.0} h")
    } else if h >= 1.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.0} min", h * 60.0)
    }
}

fn eur(x: f64) -> String {
    if x >= 1e6 {
        format!("EUR {:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("EUR {:.1} k", x / 1e3)
    } else {
        format!("EUR {x:.0}")
    }
}

/// Rounds for the custom attribute, so that it reads well and stays stable.
fn r4(x: f64) -> Y {
    Y::Num((x * 1e4).round() / 1e4)
}

fn description(set: &RuleSet, r: &Rule) -> String {
    let mut d = String::new();
    let Some(why) = &r.why else {
        return format!("Rule {} of the ensure model `{}`.", r.name, set.model);
    };
    let f = &why.figures;
    if let Some(der) = &set.derivation {
        d.push_str(&format!(
            "Detection point chosen by ensure for the model `{}` from {} simulated trials (seed {}, controls on: {}).\n",
            set.model,
            der.trials,
            der.seed,
            if der.controls_on.is_empty() { "none".to_string() } else { der.controls_on.join(", ") }
        ));
    }
    d.push_str(&format!(
        "Watching {} sees {} of the simulated attacks that reached a goal ({} of them) before their goal, and lies on the attack path of {} with a median lead of {} (5-95 %: {} to {}) before the goal.\n",
        why.point,
        pct(f.share_seen),
        f.attacks_seen,
        pct(f.share_on_paths),
        hours(f.lead_hours.p50),
        hours(f.lead_hours.p5),
        hours(f.lead_hours.p95),
    ));
    d.push_str(&format!(
        "The attacks through it went on to cause {} of loss on average; its detection value is {} per simulated horizon, at a monitoring cost of {} per year; {} attacks are seen by no better-ranked chosen point.\n",
        eur(f.mean_loss_eur),
        eur(f.value_eur),
        eur(f.cost_eur_per_year),
        why.marginal_attacks,
    ));
    if !why.goals.is_empty() {
        let goals: Vec<String> = why
            .goals
            .iter()
            .map(|g| format!("{} ({})", g.goal, pct(g.share)))
            .collect();
        d.push_str(&format!("Goals of those attacks: {}.\n", goals.join(", ")));
    }
    for (i, p) in why.paths.iter().enumerate() {
        d.push_str(&format!(
            "Path {} ({}): {}.\n",
            i + 1,
            pct(p.share),
            p.steps.join(" > ")
        ));
    }
    if !r.next_steps.is_empty() {
        let next: Vec<String> = r
            .next_steps
            .iter()
            .map(|n| {
                format!(
                    "{} ({}, median {} later)",
                    n.step,
                    pct(n.share),
                    hours(n.median_hours)
                )
            })
            .collect();
        d.push_str(&format!("Predicted next steps: {}.\n", next.join(", ")));
    }
    if !r.assets_at_risk.is_empty() {
        d.push_str(&format!(
            "Assets at risk: {}.\n",
            r.assets_at_risk.join(", ")
        ));
    }
    d
}

fn false_positives(step: &str) -> Vec<String> {
    let mut out = Vec::new();
    if ["use", "authenticate", "misuse", "read"].contains(&step) {
        out.push("Legitimate use by the asset's own users and administrators".to_string());
    }
    if ["deceive", "recruit"].contains(&step) {
        out.push("Awareness exercises (phishing simulations) and unrelated reports".to_string());
    }
    out.push("Authorised security tests (penetration tests, red-team exercises)".to_string());
    out
}

fn file_name(name: &str) -> String {
    // pySigma's filename check wants 10 to 90 characters, extension included.
    let mut n = name.to_string();
    while n.len() + 4 < 10 {
        n.push_str("_rule");
    }
    n.truncate(86);
    format!("{n}.yml")
}

/// The Sigma file of one single-event rule (`None` for sequence rules).
pub fn render_rule(set: &RuleSet, r: &Rule) -> Option<SigmaFile> {
    let Detection::Single { matches } = &r.detection else {
        return None;
    };
    let mut selection = Vec::new();
    for (key, values) in [
        ("asset", &matches.asset),
        ("step", &matches.step),
        ("flow", &matches.flow),
    ] {
        match values.len() {
            0 => {}
            1 => selection.push(kv(key, values[0].as_str())),
            _ => selection.push(kv(key, seq(values.iter().map(String::as_str)))),
        }
    }
    for (k, v) in &matches.fields {
        let y = match v {
            serde_json::Value::Bool(b) => Y::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Y::Int)
                .unwrap_or_else(|| Y::Num(n.as_f64().unwrap_or(0.0))),
            serde_json::Value::String(s) => Y::Str(s.clone()),
            _ => continue,
        };
        selection.push((k.clone(), y));
    }

    let mut tactics: Vec<&str> = Vec::new();
    let mut technique_tags: Vec<String> = Vec::new();
    let mut references: Vec<String> = Vec::new();
    for t in &r.techniques {
        let Some(tech) = attack::technique(t).filter(|t| t.status == Status::Active) else {
            continue;
        };
        for tac in tech.tactics() {
            if !tactics.contains(&tac) {
                tactics.push(tac);
            }
        }
        technique_tags.push(format!("attack.{}", tech.id.to_ascii_lowercase()));
        references.push(format!(
            "https://attack.mitre.org/techniques/{}/",
            tech.id.replace('.', "/")
        ));
    }
    let mut tags: Vec<String> = tactics.iter().map(|t| format!("attack.{t}")).collect();
    tags.extend(technique_tags);

    let step = matches.step.first().map(String::as_str).unwrap_or("");
    let mut doc = vec![
        kv("title", r.title.as_str()),
        kv("id", r.id.as_str()),
        kv("name", r.name.as_str()),
        kv("status", "experimental"),
        kv("description", description(set, r)),
    ];
    if !references.is_empty() {
        doc.push(kv("references", seq(references)));
    }
    doc.push(kv("author", format!("ensure rules (model {})", set.model)));
    if let Some(der) = &set.derivation {
        doc.push(kv("date", der.date.as_str()));
    }
    if !tags.is_empty() {
        doc.push(kv("tags", seq(tags)));
    }
    if let Some(ls) = &r.logsource {
        let mut m = Vec::new();
        if let Some(c) = &ls.category {
            m.push(kv("category", c.as_str()));
        }
        m.push(kv("product", ls.product.as_str()));
        if let Some(s) = &ls.service {
            m.push(kv("service", s.as_str()));
        }
        doc.push(kv("logsource", Y::Map(m)));
    }
    doc.push(kv(
        "detection",
        Y::Map(vec![
            kv("selection", Y::Map(selection)),
            kv("condition", "selection"),
        ]),
    ));
    doc.push(kv(
        "fields",
        seq(["time", "asset", "step", "flow", "peer", "source", "id"]),
    ));
    doc.push(kv("falsepositives", seq(false_positives(step))));
    doc.push(kv("level", r.level.as_str()));

    if let Some(why) = &r.why {
        let f = &why.figures;
        let mut e = vec![
            kv("model", set.model.as_str()),
            kv("point", why.point.as_str()),
            kv("attacks_seen", Y::Int(f.attacks_seen as i64)),
            kv("share_seen", r4(f.share_seen)),
            kv("share_on_paths", r4(f.share_on_paths)),
            kv(
                "lead_hours",
                Y::Map(vec![
                    kv("p5", r4(f.lead_hours.p5)),
                    kv("p50", r4(f.lead_hours.p50)),
                    kv("p95", r4(f.lead_hours.p95)),
                ]),
            ),
            kv("mean_loss_eur", Y::Num(f.mean_loss_eur.round())),
            kv("value_eur", Y::Num(f.value_eur.round())),
            kv("cost_eur_per_year", Y::Num(f.cost_eur_per_year.round())),
            kv("marginal_attacks", Y::Int(why.marginal_attacks as i64)),
        ];
        if !r.techniques.is_empty() {
            e.push(kv(
                "techniques",
                seq(r.techniques.iter().map(String::as_str)),
            ));
        }
        e.push(kv(
            "goals",
            Y::Seq(
                why.goals
                    .iter()
                    .map(|g| Y::Map(vec![kv("goal", g.goal.as_str()), kv("share", r4(g.share))]))
                    .collect(),
            ),
        ));
        e.push(kv(
            "paths",
            Y::Seq(
                why.paths
                    .iter()
                    .map(|p| {
                        Y::Map(vec![
                            kv("share", r4(p.share)),
                            kv("steps", seq(p.steps.iter().map(String::as_str))),
                        ])
                    })
                    .collect(),
            ),
        ));
        e.push(kv(
            "next_steps",
            Y::Seq(
                r.next_steps
                    .iter()
                    .map(|n| {
                        Y::Map(vec![
                            kv("step", n.step.as_str()),
                            kv("share", r4(n.share)),
                            kv("median_hours", r4(n.median_hours)),
                        ])
                    })
                    .collect(),
            ),
        ));
        e.push(kv(
            "assets_at_risk",
            seq(r.assets_at_risk.iter().map(String::as_str)),
        ));
        doc.push(kv("ensure", Y::Map(e)));
    }
    Some(SigmaFile {
        file_name: file_name(&r.name),
        text: yaml::render(&doc),
    })
}

/// The Sigma files of a rule set, in rule order.
pub fn render(set: &RuleSet) -> Vec<SigmaFile> {
    set.rules
        .iter()
        .filter_map(|r| render_rule(set, r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_respect_the_length_check() {
        assert_eq!(file_name("short"), "short_rule.yml");
        assert_eq!(file_name("ensure_web_front_x"), "ensure_web_front_x.yml");
        assert_eq!(file_name(&"x".repeat(120)).len(), 90);
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(pct(0.4213), "42.1 %");
        assert_eq!(hours(0.25), "15 min");
        assert_eq!(hours(4.25), "4.2 h");
        assert_eq!(hours(40.0), "40 h");
        assert_eq!(hours(240.0), "10.0 d");
        assert_eq!(eur(2_500_000.0), "EUR 2.50 M");
        assert_eq!(eur(13_333.0), "EUR 13.3 k");
        assert_eq!(eur(12.4), "EUR 12");
    }
}
