from django.contrib import admin

from casecast.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "is_site_admin", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    exclude = ["password"]
