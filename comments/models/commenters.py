from django.conf import settings
from django.db import models, transaction

from .audit import ModerationEvent


class Commenter(models.Model):
    """A moderator's standing decision about one user: banned, or trusted (always approved)."""

    class Standing(models.TextChoices):
        RULES = "rules", "Moderated by the rules"
        TRUSTED = "trusted", "Trusted: always approved"
        BANNED = "banned", "Banned: cannot comment"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commenter"
    )
    standing = models.CharField(max_length=10, choices=Standing.choices, default=Standing.RULES)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "comments"
        ordering = ["user__username"]

    def __str__(self):
        return f"{self.user} ({self.get_standing_display()})"

    @classmethod
    def standing_of(cls, user):
        if not user.is_authenticated:
            return cls.Standing.RULES
        # Ordered by its own key: the model's ordering (user__username, for the admin) would
        # join auth_user to find one row by its unique user_id.
        return (
            cls.objects.filter(user=user).order_by("pk").values_list("standing", flat=True).first()
            or cls.Standing.RULES
        )

    @classmethod
    def set_standing(cls, user, standing, by=None, note=""):
        """Ban, trust or reset a user; recorded in the audit trail."""
        action = {
            cls.Standing.BANNED: ModerationEvent.Action.BAN,
            cls.Standing.TRUSTED: ModerationEvent.Action.TRUST,
            cls.Standing.RULES: ModerationEvent.Action.RESET,
        }[standing]
        with transaction.atomic():
            commenter, _ = cls.objects.get_or_create(user=user)
            if commenter.standing == standing:
                return False
            commenter.standing = standing
            commenter.note = note or commenter.note
            commenter.save()
            ModerationEvent.objects.create(
                commenter=user, actor=by, action=action, reasons=[note] if note else []
            )
        return True
