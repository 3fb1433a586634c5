from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "casecast.audit"
    label = "audit"
    verbose_name = "Audit trail"
