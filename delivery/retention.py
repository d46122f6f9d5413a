"""How long deliveries and the police event stream are kept, a month at a time.

Both tables are partitioned by month (partitions/monthly.py). Maintenance, run by Celery beat, makes
the partitions of the coming months ahead (PARTITIONS_MONTHS_AHEAD), moves and reports any row that
reached a default partition, and drops whole months once their retention has ended: deliveries (and
their push receipts, partitioned by the same month) after DELIVERY_RETENTION_MONTHS, the event stream
after ALERTS_EVENT_RETENTION_MONTHS; the live map replays only the last MAPS_LIVE_HOURS and a
follow-up finds its police services in the routing's record, so nothing reads older events.

What a resident exports, and the statistics (which count alerts, never deliveries), are not touched."""

from datetime import date

from django.conf import settings

from partitions.monthly import MaintenanceReport, MonthlyTable, monthly_table_maintain

DELIVERIES = MonthlyTable("alerts_delivery", "month")
PUSH_RECEIPTS = MonthlyTable("delivery_pushreceipt", "delivery_month")
ALERT_EVENTS = MonthlyTable("alerts_alertevent", "month")


def partitions_maintain(*, today: date | None = None) -> MaintenanceReport:
    """Partitions ahead, default partitions emptied, months past their retention dropped."""
    # At least the current and the previous month: the live map may look back across the 1st.
    kept = {
        PUSH_RECEIPTS: settings.DELIVERY_RETENTION_MONTHS,
        DELIVERIES: settings.DELIVERY_RETENTION_MONTHS,
        ALERT_EVENTS: max(settings.ALERTS_EVENT_RETENTION_MONTHS, 1),
    }
    report = MaintenanceReport()
    for monthly, keep_months in kept.items():
        report.add(
            monthly_table_maintain(
                monthly, months_ahead=settings.PARTITIONS_MONTHS_AHEAD, keep_months=keep_months, today=today
            )
        )
    return report
