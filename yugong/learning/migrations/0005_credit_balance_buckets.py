"""The ledger's balance buckets (``CreditBalance``: credits per account, expiry day and source),
filled from the ledger rows already there; the statement's keyset index on the ledger."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('learning', '0004_lesson_media_uploads'),
    ]

    operations = [
        migrations.CreateModel(
            name='CreditBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(choices=[('course', '课程结业'), ('contest_certificate', '竞赛证书'), ('skills_certificate', '职业技能等级证书'), ('innovation', '创新成果'), ('honour', '荣誉')], max_length=24)),
                ('expires_on', models.DateField()),
                ('credits', models.DecimalField(decimal_places=1, default=0, max_digits=9)),
                ('entries', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='creditentry',
            name='learning_cr_account_6351d6_idx',
        ),
        migrations.AddIndex(
            model_name='creditentry',
            index=models.Index(fields=['account', 'created_at', 'id'], name='learning_entry_account_page'),
        ),
        migrations.AddField(
            model_name='creditbalance',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='learning.learningaccount'),
        ),
        migrations.AddConstraint(
            model_name='creditbalance',
            constraint=models.UniqueConstraint(fields=('account', 'expires_on', 'source'), name='learning_balance_bucket_once'),
        ),
        migrations.RunSQL(
            "INSERT INTO learning_creditbalance (account_id, source, expires_on, credits, entries) "
            "SELECT account_id, source, COALESCE(expires_on, '9999-12-31'), SUM(credits), COUNT(*) "
            "FROM learning_creditentry GROUP BY account_id, source, COALESCE(expires_on, '9999-12-31')",
            migrations.RunSQL.noop,
        ),
    ]
