from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.emails import two_factor_setup_url
from accounts.exceptions import AlreadyEnrolled, NotStaff
from accounts.models import TwoFactorSetupLink
from accounts.two_factor import two_factor_setup_link_issue
from shop.models import User


class Command(BaseCommand):
    help = (
        "Print a one-time link with which a staff member sets up two-factor sign-in, e.g. the first "
        "superuser after createsuperuser. Whoever can run this on the server is trusted with it; the "
        "link is emailed to nobody. It expires after TWO_FACTOR_LINK_HOURS, and it replaces the "
        "person's older links."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the staff member's email address (as they sign in)")

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get_by_natural_key(options["email"].strip())
        except User.DoesNotExist as error:
            raise CommandError(f"No account signs in with {options['email']!r}.") from error
        try:
            link = two_factor_setup_link_issue(
                user=user, issued_by=None, origin=TwoFactorSetupLink.Origin.COMMAND
            )
        except NotStaff as error:
            raise CommandError(f"{user.email} is not an active staff member.") from error
        except AlreadyEnrolled as error:
            raise CommandError(
                f"{user.email} has an authenticator already; a superuser deletes it in the admin "
                "(Otp_Totp > TOTP devices) before a new one can be set up."
            ) from error
        expires = timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        self.stdout.write(
            f"Open this link signed in as {user.email} to set up two-factor sign-in. "
            f"It works once, until {expires}:\n{two_factor_setup_url(link=link)}"
        )
