from django.contrib import admin

from .models import ApiKey, AuditEntry, Membership, Organisation, Platform

admin.site.register(Organisation)
admin.site.register(Platform)
admin.site.register(Membership)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "platform", "role", "created_at", "revoked_at", "last_used_at")
    exclude = ("secret_hash",)


@admin.register(AuditEntry)
class AuditAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "seq", "actor", "organisation", "action", "target")
    list_filter = ("action",)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
