//! Where the telemetry of a monitoring point comes from: the Sigma log source of a step (from
//! its asset's type and layer) or of an interface, and the ENSURESEC monitor kind that would
//! watch it (which prices the point).
//!
//! Every log source has `product: ensure`: the events are the normalised records that the
//! ENSURESEC monitors emit (the event schema of [`crate::events`]), whatever the underlying
//! log. `category` follows Sigma's generic categories where one fits the asset (webserver,
//! application, database, authentication, process_creation, firewall, network_connection);
//! steps with no such log (data, physical, human and organisational layers) get a `service`
//! naming the ENSURESEC monitor that observes them instead.

use ensure_model::{Layer, Model, StepId};
use serde::{Deserialize, Serialize};

/// A Sigma log source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSource {
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

impl LogSource {
    fn category(c: &str) -> LogSource {
        LogSource {
            product: "ensure".into(),
            category: Some(c.into()),
            service: None,
        }
    }

    fn service(s: &str) -> LogSource {
        LogSource {
            product: "ensure".into(),
            category: None,
            service: Some(s.into()),
        }
    }

    /// The short name an event carries in its `source` field.
    pub fn name(&self) -> &str {
        self.category
            .as_deref()
            .or(self.service.as_deref())
            .unwrap_or(&self.product)
    }
}

/// The ENSURESEC monitor kinds (D5.1–D5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MonitorKind {
    Behavioural,
    DataSecurity,
    Communication,
    PhysicalAsset,
    PolicyCompliance,
    Incident,
}

impl MonitorKind {
    pub const ALL: [MonitorKind; 6] = [
        MonitorKind::Behavioural,
        MonitorKind::DataSecurity,
        MonitorKind::Communication,
        MonitorKind::PhysicalAsset,
        MonitorKind::PolicyCompliance,
        MonitorKind::Incident,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MonitorKind::Behavioural => "behavioural",
            MonitorKind::DataSecurity => "data-security",
            MonitorKind::Communication => "communication",
            MonitorKind::PhysicalAsset => "physical-asset",
            MonitorKind::PolicyCompliance => "policy-compliance",
            MonitorKind::Incident => "incident",
        }
    }

    /// The kind a model's monitor declares, read leniently: the pilots write `physical` and
    /// `physical-asset`, `policy` and `policy-compliance`. `None` for kinds outside the six.
    pub fn parse(kind: &str) -> Option<MonitorKind> {
        let k = kind.to_ascii_lowercase();
        let k = k.as_str();
        Some(if k.starts_with("behavio") {
            MonitorKind::Behavioural
        } else if k.starts_with("data") {
            MonitorKind::DataSecurity
        } else if k.starts_with("communication") || k.starts_with("network") {
            MonitorKind::Communication
        } else if k.starts_with("physical") {
            MonitorKind::PhysicalAsset
        } else if k.starts_with("policy") || k.starts_with("compliance") {
            MonitorKind::PolicyCompliance
        } else if k.starts_with("incident") || k.starts_with("siem") {
            MonitorKind::Incident
        } else {
            return None;
        })
    }
}

/// The log source and monitor kind of an attack step.
pub fn of_step(model: &Model, step: StepId) -> (LogSource, MonitorKind) {
    let s = model.step(step);
    let ty = model.asset(s.asset).type_id;
    let is = |t: &str| model.type_is(ty, t);
    match s.layer {
        Layer::Cyber => {
            if is("web-application") && !is("api") {
                (LogSource::category("webserver"), MonitorKind::Communication)
            } else if is("api") {
                (
                    LogSource::category("application"),
                    MonitorKind::Communication,
                )
            } else if is("database") {
                (LogSource::category("database"), MonitorKind::DataSecurity)
            } else if is("identity") || is("credential") {
                (
                    LogSource::category("authentication"),
                    MonitorKind::Behavioural,
                )
            } else if is("network-zone") {
                (LogSource::category("firewall"), MonitorKind::Communication)
            } else if is("host") {
                (
                    LogSource::category("process_creation"),
                    MonitorKind::Incident,
                )
            } else {
                (LogSource::category("application"), MonitorKind::Incident)
            }
        }
        Layer::Data => (
            LogSource::service("data-security"),
            MonitorKind::DataSecurity,
        ),
        Layer::Physical => (
            LogSource::service("physical-asset-monitor"),
            MonitorKind::PhysicalAsset,
        ),
        Layer::Human => (LogSource::service("behavioural"), MonitorKind::Behavioural),
        Layer::Organisational => (
            LogSource::service("policy-compliance"),
            MonitorKind::PolicyCompliance,
        ),
    }
}

/// The log source and monitor kind of an interface (a flow seen on the wire).
pub fn of_interface() -> (LogSource, MonitorKind) {
    (
        LogSource::category("network_connection"),
        MonitorKind::Communication,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_kinds_of_the_pilots_parse() {
        for (k, want) in [
            ("behavioural", MonitorKind::Behavioural),
            ("data-security", MonitorKind::DataSecurity),
            ("communication", MonitorKind::Communication),
            ("physical", MonitorKind::PhysicalAsset),
            ("physical-asset", MonitorKind::PhysicalAsset),
            ("policy", MonitorKind::PolicyCompliance),
            ("policy-compliance", MonitorKind::PolicyCompliance),
            ("incident", MonitorKind::Incident),
        ] {
            assert_eq!(MonitorKind::parse(k), Some(want), "{k}");
        }
        assert_eq!(MonitorKind::parse("antivirus"), None);
        for k in MonitorKind::ALL {
            assert_eq!(MonitorKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn step_sources_follow_asset_types() {
        let checked = ensure_model::check_str(
            "t.yaml",
            r#"
ensure: 1
name: t
assets:
  - {id: web, type: web-application}
  - {id: gw, type: payment-gateway}
  - {id: db, type: database}
  - {id: acct, type: identity}
  - {id: srv, type: host}
  - {id: van, type: vehicle}
  - {id: pii, type: customer-pii}
  - {id: clerk, type: employee}
"#,
        );
        let m = checked.model.expect("valid");
        let src = |asset: &str, step: &str| {
            let a = m.asset_id(asset).expect("asset");
            let (ls, kind) = of_step(&m, m.step_id(a, step).expect("step"));
            (ls.name().to_string(), kind)
        };
        assert_eq!(
            src("web", "exploit-injection"),
            ("webserver".into(), MonitorKind::Communication)
        );
        assert_eq!(
            src("gw", "fraudulent-payment"),
            ("application".into(), MonitorKind::Communication)
        );
        assert_eq!(
            src("db", "exfiltrate"),
            ("database".into(), MonitorKind::DataSecurity)
        );
        assert_eq!(
            src("acct", "authenticate"),
            ("authentication".into(), MonitorKind::Behavioural)
        );
        assert_eq!(
            src("srv", "encrypt"),
            ("process_creation".into(), MonitorKind::Incident)
        );
        assert_eq!(
            src("van", "hijack"),
            ("physical-asset-monitor".into(), MonitorKind::PhysicalAsset)
        );
        assert_eq!(
            src("pii", "disclose"),
            ("data-security".into(), MonitorKind::DataSecurity)
        );
        assert_eq!(
            src("clerk", "deceive"),
            ("behavioural".into(), MonitorKind::Behavioural)
        );
    }
}
