//! Who an alert reaches. Targets come from the severity policy (`pages`) or from an
//! escalation step; each resolves to people through a directory of the moment (the
//! team's on-call from its default schedule, its leads, the organization's engineering
//! lead and VP Engineering). An alert is never dropped: when its targets reach nobody
//! active (a coverage gap, an empty layer, no team, a deactivated person), it falls back
//! to the next escalation step's targets, then the team's leads, then the admins, and is
//! unrouted only when even they are missing.

use std::collections::HashSet;
use uuid::Uuid;

/// Someone a page can be addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The primary on call on the team's default schedule now (one per layer on call).
    OnCall,
    /// The team's leads (team membership role `lead`).
    TeamLeads,
    /// The organization's engineering lead.
    EngineeringLead,
    /// The organization's VP Engineering.
    VpEngineering,
    /// A named person.
    Person(Uuid),
    /// The organization's admins: the last resort.
    Admins,
}

impl From<entity::PageTarget> for Target {
    fn from(t: entity::PageTarget) -> Self {
        match t {
            entity::PageTarget::OnCall => Target::OnCall,
            entity::PageTarget::TeamLead => Target::TeamLeads,
            entity::PageTarget::EngineeringLead => Target::EngineeringLead,
            entity::PageTarget::VpEngineering => Target::VpEngineering,
        }
    }
}

/// The people behind the targets at one instant.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub on_call: Vec<Uuid>,
    pub team_leads: Vec<Uuid>,
    pub engineering_lead: Option<Uuid>,
    pub vp_engineering: Option<Uuid>,
    pub admins: Vec<Uuid>,
    /// Active users: anyone else is unreachable.
    pub active: HashSet<Uuid>,
}

impl Directory {
    fn people(&self, target: Target) -> Vec<Uuid> {
        let all: Vec<Uuid> = match target {
            Target::OnCall => self.on_call.clone(),
            Target::TeamLeads => self.team_leads.clone(),
            Target::EngineeringLead => self.engineering_lead.into_iter().collect(),
            Target::VpEngineering => self.vp_engineering.into_iter().collect(),
            Target::Person(p) => vec![p],
            Target::Admins => self.admins.clone(),
        };
        all.into_iter()
            .filter(|u| self.active.contains(u))
            .collect()
    }
}

/// Why a person is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// One of the targets asked for.
    Target(Target),
    /// A fallback, because the targets reached nobody.
    Fallback(Target),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Routing {
    /// Who to page, each once, in target order.
    pub pages: Vec<(Uuid, Via)>,
    /// Targets that reached nobody.
    pub unreached: Vec<Target>,
    /// Nobody at all could be paged (not even a fallback): the alert stays unrouted.
    pub unrouted: bool,
}

/// The people `targets` reach, leaving out `already` paged ones (nobody twice: a
/// severity raise pages only whoever the new policy adds). When the targets reach nobody
/// new and nobody was paged before, `fallbacks` are tried in order (the next escalation
/// step's targets, then team leads, then admins).
pub fn route(
    targets: &[Target],
    fallbacks: &[Target],
    dir: &Directory,
    already: &[Uuid],
) -> Routing {
    let mut seen: HashSet<Uuid> = already.iter().copied().collect();
    let mut out = Routing::default();
    for t in targets {
        let people = dir.people(*t);
        if people.is_empty() {
            out.unreached.push(*t);
        }
        for p in people {
            if seen.insert(p) {
                out.pages.push((p, Via::Target(*t)));
            }
        }
    }
    let reached_anyone = !targets.is_empty() && targets.iter().any(|t| !dir.people(*t).is_empty());
    if !reached_anyone && already.is_empty() && !targets.is_empty() {
        for f in fallbacks
            .iter()
            .chain([Target::TeamLeads, Target::Admins].iter())
        {
            let people = dir.people(*f);
            if people.is_empty() {
                continue;
            }
            for p in people {
                if seen.insert(p) {
                    out.pages.push((p, Via::Fallback(*f)));
                }
            }
            break;
        }
        out.unrouted = out.pages.is_empty();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    fn dir(p: &[Uuid]) -> Directory {
        Directory {
            on_call: vec![p[0]],
            team_leads: vec![p[1]],
            engineering_lead: Some(p[2]),
            vp_engineering: Some(p[3]),
            admins: vec![p[4]],
            active: p.iter().copied().collect(),
        }
    }

    #[test]
    fn sev1_pages_on_call_engineering_lead_and_vp_once_each() {
        let p = ids(5);
        let d = dir(&p);
        let targets = [
            Target::OnCall,
            Target::EngineeringLead,
            Target::VpEngineering,
        ];
        let r = route(&targets, &[], &d, &[]);
        assert_eq!(
            r.pages.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
            vec![p[0], p[2], p[3]]
        );
        assert!(!r.unrouted && r.unreached.is_empty());
        // The on-call is also the engineering lead: paged once.
        let mut d2 = d.clone();
        d2.engineering_lead = Some(p[0]);
        assert_eq!(route(&targets, &[], &d2, &[]).pages.len(), 2);
    }

    #[test]
    fn a_raise_pages_only_whoever_the_new_policy_adds() {
        let p = ids(5);
        let d = dir(&p);
        let sev3 = route(&[Target::OnCall], &[], &d, &[]);
        let already: Vec<Uuid> = sev3.pages.iter().map(|(u, _)| *u).collect();
        let sev2 = route(&[Target::OnCall, Target::TeamLeads], &[], &d, &already);
        assert_eq!(sev2.pages, vec![(p[1], Via::Target(Target::TeamLeads))]);
    }

    #[test]
    fn nobody_on_call_falls_back_and_is_never_dropped() {
        let p = ids(5);
        let mut d = dir(&p);
        d.on_call.clear();
        // The next step (a named person) first.
        let r = route(&[Target::OnCall], &[Target::Person(p[3])], &d, &[]);
        assert_eq!(r.pages, vec![(p[3], Via::Fallback(Target::Person(p[3])))]);
        assert_eq!(r.unreached, vec![Target::OnCall]);
        // Then the team lead, then admins.
        let r = route(&[Target::OnCall], &[], &d, &[]);
        assert_eq!(r.pages, vec![(p[1], Via::Fallback(Target::TeamLeads))]);
        d.team_leads.clear();
        let r = route(&[Target::OnCall], &[], &d, &[]);
        assert_eq!(r.pages, vec![(p[4], Via::Fallback(Target::Admins))]);
        // A deactivated admin is nobody: unrouted.
        d.active.remove(&p[4]);
        let r = route(&[Target::OnCall], &[], &d, &[]);
        assert!(r.unrouted && r.pages.is_empty());
    }

    #[test]
    fn no_targets_pages_nobody_and_is_not_unrouted() {
        let p = ids(5);
        let r = route(&[], &[], &dir(&p), &[]);
        assert!(
            r.pages.is_empty() && !r.unrouted,
            "SEV4: nobody is paged, by design"
        );
    }
}
