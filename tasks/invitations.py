"""Invitation and enrolment emails. Each takes ids, loads fresh state and sends at most once."""

from casecast.studies import jobs

from tasks.celery_app import app


@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_invitation(invitation_id: int) -> bool:
    return jobs.invitation_email_send(invitation_id=invitation_id)


@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_enrolment_link(participant_id: int) -> bool:
    return jobs.enrolment_link_email_send(participant_id=participant_id)


@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_enrolment_refusal(study_id: int, user_id: int, reason: str) -> bool:
    return jobs.enrolment_refusal_email_send(study_id=study_id, user_id=user_id, reason=reason)
