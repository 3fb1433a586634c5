"""Django admin for site administrators. The allocation log is read-only here too."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from casecast.studies.models import (
    Allocation,
    Arm,
    Council,
    DesignVersion,
    Participant,
    Study,
    StudyMembership,
)


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "created_at", "allocation_list"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]

    @admin.display(description="Advance allocation list")
    def allocation_list(self, study: Study) -> str:
        url = reverse("studies:advance_list", args=[study.slug])
        return format_html('<a href="{}">Make list</a>', url)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["study", "sequence", "arm", "design_version", "allocated_at"]
    list_filter = ["study"]


@admin.register(DesignVersion)
class DesignVersionAdmin(ReadOnlyAdmin):
    list_display = ["study", "number", "scheme", "unit", "created_at", "created_by"]


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["pk", "study", "council", "status", "enrolled_at", "withdrawn_at", "erased_at"]
    list_filter = ["study", "status"]


admin.site.register(StudyMembership)
admin.site.register(Arm, ReadOnlyAdmin)
admin.site.register(Council, ReadOnlyAdmin)
