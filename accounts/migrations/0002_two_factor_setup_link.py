"""One-time links through which staff set up two-factor sign-in (accounts.models.TwoFactorSetupLink)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_account_tasks_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TwoFactorSetupLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin', models.CharField(choices=[('admin', 'Sent by a superuser'), ('command', "Printed by the server's operator"), ('replacement', 'Replacing an authenticator after a verified sign-in')], max_length=16)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField()),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='two_factor_setup_links', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'two-factor set-up link',
                'verbose_name_plural': 'two-factor set-up links',
                'indexes': [models.Index(condition=models.Q(('revoked_at__isnull', True), ('used_at__isnull', True)), fields=['user'], name='twofactorlink_open_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='twofactorlink_expires_later'), models.CheckConstraint(condition=models.Q(('used_at__isnull', True), ('revoked_at__isnull', True), _connector='OR'), name='twofactorlink_used_or_revoked')],
            },
        ),
    ]
