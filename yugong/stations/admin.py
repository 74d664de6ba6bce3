from django.contrib import admin

from .models import CheckIn, Feedback, Inspection, Issue, Station, StationHonour, StationPhoto


class HonourInline(admin.TabularInline):
    model = StationHonour
    extra = 0


class PhotoInline(admin.TabularInline):
    model = StationPhoto
    extra = 0


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "district", "status", "visit_count")
    list_filter = ("kind", "status")
    search_fields = ("code", "name", "address")
    raw_id_fields = ("union", "keepers")
    inlines = [HonourInline, PhotoInline]


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("station", "at", "water_stocked", "first_aid_in_date", "clean")
    raw_id_fields = ("station", "inspector")


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ("station", "title", "status", "raised_at")
    raw_id_fields = ("station", "raised_by", "closed_by")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("station", "rating", "created_at")
    raw_id_fields = ("station", "user")


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("station", "user", "at")
    raw_id_fields = ("station", "user")
