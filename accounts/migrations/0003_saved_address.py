"""The address book (accounts.models.SavedAddress), and each customer's profile address moved into it.

A customer whose profile holds an address with a street line gets it, with the profile's phone
and name, as the default address of their book; the profile's copy is then emptied, so the
address is kept in one place (and exported and erased from there). The user's address columns
stay until a later release drops them: web processes still running the previous code read them
with every signed-in request while this one is deployed.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


PROFILE_FIELDS = (
    "phone",
    "country",
    "province",
    "city",
    "district",
    "province_code",
    "city_code",
    "district_code",
    "postal_code",
    "address_line1",
    "address_line2",
)
# What an emptied profile holds (the country column has a default and is never blank).
PROFILE_EMPTY = {name: "" for name in PROFILE_FIELDS if name != "country"}
BATCH_SIZE = 500


def profile_addresses_copy(apps, schema_editor):
    User = apps.get_model("shop", "User")
    SavedAddress = apps.get_model("accounts", "SavedAddress")
    users = User.objects.exclude(address_line1="").filter(saved_addresses__isnull=True).order_by("pk")
    batch = []
    for user in users.iterator(chunk_size=BATCH_SIZE):
        values = {name: getattr(user, name) for name in PROFILE_FIELDS}
        batch.append(SavedAddress(user=user, recipient_name=user.full_name, is_default=True, **values))
        if len(batch) >= BATCH_SIZE:
            SavedAddress.objects.bulk_create(batch)
            batch = []
    SavedAddress.objects.bulk_create(batch)
    User.objects.filter(saved_addresses__is_default=True).update(**PROFILE_EMPTY)


def profile_addresses_restore(apps, schema_editor):
    User = apps.get_model("shop", "User")
    SavedAddress = apps.get_model("accounts", "SavedAddress")
    for address in SavedAddress.objects.filter(is_default=True).order_by("pk").iterator(chunk_size=BATCH_SIZE):
        User.objects.filter(pk=address.user_id).update(
            **{name: getattr(address, name) for name in PROFILE_FIELDS}
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_two_factor_setup_link'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # Phones in E.164 and districts with their codes, before they are copied.
        ('shop', '0013_phone_e164'),
    ]

    operations = [
        migrations.CreateModel(
            name='SavedAddress',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', models.CharField(blank=True, max_length=32, verbose_name='phone')),
                ('country', models.CharField(choices=[('CN', 'China (mainland)'), ('HK', 'Hong Kong SAR, China'), ('MO', 'Macao SAR, China'), ('SG', 'Singapore'), ('JP', 'Japan'), ('KR', 'South Korea'), ('AU', 'Australia'), ('CA', 'Canada'), ('DE', 'Germany'), ('FR', 'France'), ('GB', 'United Kingdom'), ('US', 'United States')], default='CN', max_length=2, verbose_name='country')),
                ('province', models.CharField(blank=True, max_length=100, verbose_name='province or state')),
                ('city', models.CharField(blank=True, max_length=100, verbose_name='city')),
                ('district', models.CharField(blank=True, max_length=100, verbose_name='district')),
                ('province_code', models.CharField(blank=True, max_length=6, verbose_name='province code')),
                ('city_code', models.CharField(blank=True, max_length=6, verbose_name='city code')),
                ('district_code', models.CharField(blank=True, max_length=6, verbose_name='district code')),
                ('postal_code', models.CharField(blank=True, max_length=20, verbose_name='postal code')),
                ('address_line1', models.CharField(blank=True, max_length=200, verbose_name='address')),
                ('address_line2', models.CharField(blank=True, max_length=200, verbose_name='address line 2')),
                ('recipient_name', models.CharField(blank=True, max_length=150, verbose_name='recipient')),
                ('is_default', models.BooleanField(default=False, verbose_name='default')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='saved_addresses', to=settings.AUTH_USER_MODEL, verbose_name='customer')),
            ],
            options={
                'verbose_name': 'saved address',
                'verbose_name_plural': 'saved addresses',
                'ordering': ['-is_default', '-created_at', '-id'],
                'indexes': [models.Index(fields=['user', '-created_at'], name='savedaddress_user_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('user',), name='savedaddress_one_default')],
            },
        ),
        migrations.RunPython(profile_addresses_copy, profile_addresses_restore),
    ]
