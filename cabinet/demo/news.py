"""The demo program's news on the partners' home pages (`cabinet.news`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from cabinet.store.models import Announcement


def seed_news(session: Session, end: date) -> None:
    """Two items, each also in Russian: one for every partner, one for the gold tier only, published in the days
    before `end`."""
    day = datetime(end.year, end.month, end.day, 9, 0, tzinfo=UTC)
    session.add_all([
        Announcement(title="New offer: Beauty Box", tier_code=None, published_at=day - timedelta(days=3),
                     body="**Beauty Box** pays **$8.00 per sale** on the *E-commerce CPS* plan.\n\n"
                          "Creatives in three sizes are on the Creatives page; make a link on Tracking links.",
                     translations={"ru": {
                         "title": "Новый оффер: Beauty Box",
                         "body": "**Beauty Box** платит **8,00 $ за продажу** по плану *E-commerce CPS*.\n\n"
                                 "Креативы трёх размеров — на странице «Креативы», ссылку сделайте на странице "
                                 "«Трекинговые ссылки».",
                     }}),
        Announcement(title="Gold partners: cohort reports", tier_code="gold", published_at=day - timedelta(days=1),
                     body="The **Cohorts** page shows revenue per customer by registration week; under *Whose "
                          "customers*, *Mine and my sub-partners'* adds your sub-partners' customers. Export every "
                          "row from *Full-detail export*.",
                     translations={"ru": {
                         "title": "Для золотых партнёров: когортные отчёты",
                         "body": "Страница **Когорты** показывает доход на клиента по неделям регистрации; в поле "
                                 "*Чьи клиенты* вариант *Мои и моих субпартнёров* добавляет клиентов ваших "
                                 "субпартнёров. Все строки можно выгрузить на странице *Детальная выгрузка*.",
                     }}),
    ])  # fmt: skip
    session.flush()
