"""The sections of the web application and who sees them.

One row per section: the roles that open it, its address and its Russian
name. The layout's menu and the start page list the sections of the signed-in
person's roles; each section's routes check the same roles again.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.server.accounts import STAFF_ROLES, Account

ROLE_NAMES = {
    "teacher": "учитель",
    "class_teacher": "классный руководитель",
    "deputy_director": "заместитель директора",
    "director": "директор",
    "secretary": "секретарь",
    "importer": "оператор загрузки",
    "auditor": "аудитор",
    "pupil": "обучающийся",
    "guardian": "родитель (законный представитель)",
}


@dataclass(frozen=True)
class Section:
    roles: tuple[str, ...]
    href: str
    title: str
    about: str


SECTIONS: tuple[Section, ...] = (
    Section(
        ("teacher", "class_teacher"),
        "/app/teacher",
        "Журнал",
        "Мои классы и предметы, уроки сегодня и на неделе; журнал класса: "
        "отметки, отсутствующие, темы, отметки за период.",
    ),
    Section(
        ("teacher", "class_teacher", "deputy_director", "director"),
        "/app/substitutions",
        "Замещения",
        "Кто кого замещает и в какие дни (§7.3.6); запись замещения.",
    ),
    Section(
        ("pupil", "guardian"),
        "/app/diary",
        "Дневник",
        "Отметки, посещаемость, домашние задания, личное дело и портфолио.",
    ),
    Section(
        ("class_teacher",),
        "/app/class",
        "Мой класс",
        "Список класса, сводная ведомость, личные дела, аттестаты выпускников.",
    ),
    Section(
        ("deputy_director", "director"),
        "/app/deputy",
        "Учебная часть",
        "Протоколы аттестации и пересдачи, закрытие периодов, журнал изменений, "
        "решения педсовета.",
    ),
    Section(
        ("director",),
        "/app/director",
        "Подпись директора",
        "Записи, ожидающие подписи директора: аттестаты, дубликаты, исправления.",
    ),
    Section(
        ("secretary", "importer", "director"),
        "/app/office",
        "Канцелярия",
        "Зачисление, переводы, выбытие, импорт, книга выдачи аттестатов, бланки, "
        "ФИС ФРДО.",
    ),
    Section(
        ("pupil", "guardian", "class_teacher", "deputy_director", "director"),
        "/app/charts",
        "Успеваемость",
        "Графики: динамика успеваемости обучающегося, результаты класса по "
        "предметам и периодам.",
    ),
    Section(
        STAFF_ROLES,
        "/app/keys",
        "Ключи подписи",
        "Ваш ключ подписи в этом браузере: создать, проверить, отозвать.",
    ),
    Section(
        ("deputy_director", "director"),
        "/app/keys/requests",
        "Заявки на ключи",
        "Подтвердить или отклонить ключи подписи сотрудников.",
    ),
    Section(
        ("auditor",),
        "/app/audit",
        "Аудит",
        "Состояние журнала, проверки, журнал доступа, доказательства, проверка "
        "контрольной точки и отчёта, выгрузка архива.",
    ),
)


def sections(account: Account) -> list[Section]:
    """The sections ``account`` may open, in the table's order."""
    return [s for s in SECTIONS if account.has(*s.roles)]
