//! Referrals: `refer` creates a draft; `referral ...` moves it along its lifecycle.
//!
//! A referral lives in its case's stream. The lifecycle commands take the referral id and
//! find its case from the read models (the first event that names the referral is in its
//! case's stream); `--case` skips that look-up.

use parapompi::core::case::{CaseAction, ConsentOverride};
use parapompi::core::values::{CaseId, Date, Narrative, Reason, ReferralId};

use crate::args::{ReferArgs, ReferralCommand as ReferralCli, ReferralTarget};
use crate::error::CliError;
use crate::parse::{self, value};
use crate::session::Ctx;

/// Days from today to a referral's follow-up when `--due` is not given.
const DEFAULT_DUE_DAYS: i64 = 14;

fn due_date(ctx: &Ctx<'_>, text: Option<&String>) -> Result<Date, CliError> {
    match text {
        Some(text) => parse::date("--due", text),
        None => value("--due", ctx.today()?.add_days(DEFAULT_DUE_DAYS)),
    }
}

fn reason(field: &str, text: Option<&String>) -> Result<Option<Reason>, CliError> {
    text.map(|t| value(field, Reason::new(t))).transpose()
}

/// `refer CASE --agency ID --need DOMAIN`.
pub fn refer(ctx: &mut Ctx<'_>, args: ReferArgs) -> Result<(), CliError> {
    let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
    let referral_id =
        ReferralId::new(ctx.new_entity_id("--referral-id", "referral", args.referral_id.as_ref(), "referral")?);
    let need: parapompi::core::vocab::NeedDomain = args.need.into();
    let reason_text = args.reason.clone().unwrap_or_else(|| format!("Referral for {need}"));
    let action = CaseAction::CreateReferral {
        referral_id,
        agency_id: crate::resolve::agency(ctx, "--agency", &args.agency)?,
        need,
        reason: value("--reason", Reason::new(&reason_text))?,
        due_on: due_date(ctx, args.due.as_ref())?,
        priority: args.priority.into(),
    };
    let executed =
        ctx.execute(&parapompi::core::Command::Case(parapompi::core::case::CaseCommand { case_id, action }))?;
    // A repeated command id answers as the first time, which may have named another referral.
    if !executed.deduplicated {
        ctx.known.remember_referral(referral_id, case_id);
    }
    let reference = referral_reference(ctx, referral_id)?;
    ctx.written(
        "refer",
        &[executed],
        &[("case_id", case_id.to_string()), ("referral_id", referral_id.to_string()), ("reference", reference.clone())],
        &crate::i18n::message("done-refer", &[("referral", &reference), ("id", &format!("referral-{referral_id}"))]),
    )
}

/// The referral and its case.
fn target(ctx: &Ctx<'_>, target: &ReferralTarget) -> Result<(ReferralId, CaseId), CliError> {
    let (referral_id, case_of_reference) = crate::resolve::referral(ctx, "REFERRAL", &target.referral)?;
    if let Some(text) = &target.case {
        let case_id = crate::resolve::case(ctx, "--case", text)?;
        if case_of_reference.is_some_and(|c| c != case_id) {
            let args = [("referral", target.referral.as_str()), ("case", text.as_str())];
            return Err(CliError::field("--case", crate::i18n::message("error-referral-not-in-case", &args)));
        }
        return Ok((referral_id, case_id));
    }
    if let Some(case_id) = case_of_reference {
        return Ok((referral_id, case_id));
    }
    if let Some(case_id) = ctx.known.referral_case(referral_id) {
        return Ok((referral_id, case_id));
    }
    let case_id = ctx.backend.case_of_referral(referral_id)?.ok_or_else(|| {
        CliError::field("REFERRAL", crate::i18n::message("error-no-referral", &[("id", &referral_id.to_string())]))
    })?;
    ctx.known.remember_referral(referral_id, case_id);
    Ok((referral_id, case_id))
}

/// `referral ...`.
pub fn referral(ctx: &mut Ctx<'_>, command: ReferralCli) -> Result<(), CliError> {
    let (name, target_args) = match &command {
        ReferralCli::Send(a) => ("referral send", &a.target),
        ReferralCli::Accept(a) => ("referral accept", &a.target),
        ReferralCli::Decline(a) => ("referral decline", &a.target),
        ReferralCli::Start(a) => ("referral start", &a.target),
        ReferralCli::Hold(a) => ("referral hold", &a.target),
        ReferralCli::Resume(a) => ("referral resume", &a.target),
        ReferralCli::Complete(a) => ("referral complete", &a.target),
        ReferralCli::Fail(a) => ("referral fail", &a.target),
        ReferralCli::Cancel(a) => ("referral cancel", &a.target),
        ReferralCli::Expire(a) => ("referral expire", &a.target),
        ReferralCli::Reroute(a) => ("referral reroute", &a.target),
        ReferralCli::Note(a) => ("referral note", &a.target),
        ReferralCli::Due(a) => ("referral due", &a.target),
    };
    // Values are checked before the look-up, so a bad value is named even for an unknown id.
    let action_of = |ctx: &Ctx<'_>, referral_id: ReferralId| -> Result<(CaseAction, Option<ReferralId>), CliError> {
        Ok(match &command {
            ReferralCli::Send(a) => {
                let consent_override = a
                    .override_reason
                    .as_ref()
                    .map(|t| value("--override-reason", Reason::new(t)).map(|r| ConsentOverride { reason: Some(r) }))
                    .transpose()?;
                (CaseAction::SendReferral { referral_id, consent_override }, None)
            }
            ReferralCli::Accept(_) => (CaseAction::AcceptReferral { referral_id }, None),
            ReferralCli::Decline(a) => {
                (CaseAction::DeclineReferral { referral_id, reason: reason("--reason", a.reason.as_ref())? }, None)
            }
            ReferralCli::Start(_) => (CaseAction::StartReferral { referral_id }, None),
            ReferralCli::Hold(a) => {
                (CaseAction::HoldReferral { referral_id, reason: reason("--reason", a.reason.as_ref())? }, None)
            }
            ReferralCli::Resume(_) => (CaseAction::ResumeReferral { referral_id }, None),
            ReferralCli::Complete(a) => (
                CaseAction::CompleteReferral {
                    referral_id,
                    outcome: a.outcome.map(Into::into),
                    note: a.note.as_ref().map(|t| value("--note", Narrative::new(t))).transpose()?,
                },
                None,
            ),
            ReferralCli::Fail(a) => (
                CaseAction::FailReferral {
                    referral_id,
                    outcome: a.outcome.map(Into::into),
                    reason: reason("--reason", a.reason.as_ref())?,
                },
                None,
            ),
            ReferralCli::Cancel(a) => {
                (CaseAction::CancelReferral { referral_id, reason: reason("--reason", a.reason.as_ref())? }, None)
            }
            ReferralCli::Expire(_) => (CaseAction::ExpireReferral { referral_id }, None),
            ReferralCli::Reroute(a) => {
                let new_referral_id = ReferralId::new(ctx.new_entity_id(
                    "--new-referral-id",
                    "referral",
                    a.new_referral_id.as_ref(),
                    "new referral",
                )?);
                let reason_text = a.reason.clone().unwrap_or_else(|| "Re-routed".to_owned());
                (
                    CaseAction::RerouteReferral {
                        referral_id,
                        new_referral_id,
                        agency_id: crate::resolve::agency(ctx, "--agency", &a.agency)?,
                        reason: value("--reason", Reason::new(&reason_text))?,
                        due_on: due_date(ctx, a.due.as_ref())?,
                        priority: a.priority.into(),
                    },
                    Some(new_referral_id),
                )
            }
            ReferralCli::Note(a) => {
                (CaseAction::AddFollowUpNote { referral_id, text: value("--text", Narrative::new(&a.text))? }, None)
            }
            ReferralCli::Due(a) => (
                CaseAction::MoveDueDate {
                    referral_id,
                    due_on: parse::date("--on", &a.on)?,
                    reason: reason("--reason", a.reason.as_ref())?,
                },
                None,
            ),
        })
    };
    // The action's own arguments are checked before the referral is looked up.
    action_of(ctx, ReferralId::new(uuid::Uuid::nil()))?;
    let (referral_id, case_id) = target(ctx, target_args)?;
    let (action, new_referral) = action_of(ctx, referral_id)?;
    let executed =
        ctx.execute(&parapompi::core::Command::Case(parapompi::core::case::CaseCommand { case_id, action }))?;
    let mut ids = vec![("case_id", case_id.to_string()), ("referral_id", referral_id.to_string())];
    if let Some(new_referral) = new_referral {
        if !executed.deduplicated {
            ctx.known.remember_referral(new_referral, case_id);
        }
        ids.push(("new_referral_id", new_referral.to_string()));
    }
    let reference = referral_reference(ctx, referral_id)?;
    ids.push(("reference", reference.clone()));
    let human = match new_referral {
        Some(new_referral) => {
            let new_reference = referral_reference(ctx, new_referral)?;
            ids.push(("new_reference", new_reference.clone()));
            let new_id = format!("referral-{new_referral}");
            crate::i18n::message(
                "done-referral-reroute",
                &[("referral", &reference), ("next", &new_reference), ("id", &new_id)],
            )
        }
        None => crate::i18n::message(&format!("done-{}", name.replace(' ', "-")), &[("referral", &reference)]),
    };
    ctx.written(name, &[executed], &ids, &human)
}

/// A referral's short reference, `ΓΡΕ-2024-0042/2`.
fn referral_reference(ctx: &Ctx<'_>, referral_id: ReferralId) -> Result<String, CliError> {
    let query = parapompi::references::ReferenceQuery::Referral(referral_id);
    Ok(ctx.backend.look_up_reference(&query)?.reference)
}
