from casecast.training import selectors, services
from casecast.training.content import CONFIDENCE


def do_module(participant, *, right=lambda i: True, confidence=lambda i: 80):
    """Answer every step through the services: step i right or wrong, at a confidence."""
    attempt = services.training_start(participant=participant)
    for i, view in enumerate(selectors.attempt_progress(attempt=attempt).steps):
        step = view.step
        if step.type == CONFIDENCE:
            choice = step.correct if right(i) else 1 - step.correct
            services.training_step_record(
                attempt=attempt, step_key=step.key, choice=choice, confidence=confidence(i)
            )
        elif step.check is not None:
            choice = (
                step.check.correct
                if right(i)
                else (step.check.correct + 1) % len(step.check.options)
            )
            services.training_step_record(attempt=attempt, step_key=step.key, choice=choice)
        else:
            services.training_step_record(attempt=attempt, step_key=step.key)
    attempt.refresh_from_db()
    return attempt
