"""Orders snapshot their discounts (issue 17); orders placed before have none and migrate with zeros."""

import django.db.models.deletion
import django.db.models.expressions
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_product_image_variant'),
        ('orders', '0008_orderline_regular_unit_price'),
        ('promotions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OrderDiscount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(choices=[('promotion', 'Promotion'), ('coupon', 'Coupon')], max_length=16, verbose_name='source')),
                ('label', models.CharField(max_length=200, verbose_name='label')),
                ('amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, verbose_name='amount')),
                ('shipping_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, verbose_name='off shipping')),
                ('use_returned_at', models.DateTimeField(blank=True, null=True, verbose_name='use given back at')),
            ],
            options={
                'verbose_name': 'order discount',
                'verbose_name_plural': 'order discounts',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='OrderLineDiscount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
            ],
            options={
                'verbose_name': 'share of a discount',
                'verbose_name_plural': 'shares of discounts',
                'ordering': ['id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='order',
            name='orders_order_grand_total_is_sum',
        ),
        migrations.AddField(
            model_name='order',
            name='discount_total',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, verbose_name='discount'),
        ),
        migrations.AddField(
            model_name='order',
            name='shipping_discount',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, verbose_name='shipping discount'),
        ),
        migrations.AddField(
            model_name='orderline',
            name='discount_total',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, verbose_name='discount'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('discount_total__gte', 0), ('discount_total__lte', models.F('subtotal'))), name='orders_order_discount_within_subtotal'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('shipping_discount__gte', 0), ('shipping_discount__lte', models.F('shipping_total'))), name='orders_order_shipping_discount_within_shipping'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('grand_total', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('subtotal'), '-', models.F('discount_total')), '+', models.F('shipping_total')), '-', models.F('shipping_discount')))), name='orders_order_grand_total_is_sum'),
        ),
        migrations.AddConstraint(
            model_name='orderline',
            constraint=models.CheckConstraint(condition=models.Q(('discount_total__gte', 0), ('discount_total__lte', models.F('line_total'))), name='orders_line_discount_within_total'),
        ),
        migrations.AddField(
            model_name='orderdiscount',
            name='coupon',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='promotions.coupon', verbose_name='coupon'),
        ),
        migrations.AddField(
            model_name='orderdiscount',
            name='order',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='discounts', to='orders.order', verbose_name='order'),
        ),
        migrations.AddField(
            model_name='orderdiscount',
            name='promotion',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='promotions.promotion', verbose_name='automatic promotion'),
        ),
        migrations.AddField(
            model_name='orderlinediscount',
            name='line',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='discount_shares', to='orders.orderline', verbose_name='order line'),
        ),
        migrations.AddField(
            model_name='orderlinediscount',
            name='order_discount',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shares', to='orders.orderdiscount', verbose_name='discount'),
        ),
        migrations.AddConstraint(
            model_name='orderdiscount',
            constraint=models.UniqueConstraint(fields=('order', 'source'), name='orders_discount_one_per_source'),
        ),
        migrations.AddConstraint(
            model_name='orderdiscount',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('coupon__isnull', True), ('source', 'promotion')), models.Q(('promotion__isnull', True), ('source', 'coupon')), _connector='OR'), name='orders_discount_source_matches'),
        ),
        migrations.AddConstraint(
            model_name='orderdiscount',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='orders_discount_amount_non_negative'),
        ),
        migrations.AddConstraint(
            model_name='orderdiscount',
            constraint=models.CheckConstraint(condition=models.Q(('shipping_amount__gte', 0)), name='orders_discount_shipping_non_negative'),
        ),
        migrations.AddConstraint(
            model_name='orderlinediscount',
            constraint=models.UniqueConstraint(fields=('order_discount', 'line'), name='orders_line_discount_unique'),
        ),
        migrations.AddConstraint(
            model_name='orderlinediscount',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='orders_line_discount_positive'),
        ),
    ]
