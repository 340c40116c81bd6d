"""Role scope: a role says what a staff member may do, the scope says to whose stays. A nurse
acts on the stays of their own ward (or of their department's wards when no ward is set), a
doctor on those of their own department (and notices they issued themselves); the hospital-
wide roles (admission center, cashier, insurance, admin …) on every stay. A nurse or doctor
with no ward and no department set is not scoped (an account made before homes existed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from bedside.core.errors import Forbidden
from bedside.core.i18n import N_
from bedside.hospital.models import Ward
from bedside.staff.models import StaffUser
from bedside.staff.roles import Role

SCOPED_ROLES = frozenset({Role.NURSE, Role.DOCTOR})


class OutOfScope(Forbidden):
    code = "outside_scope"
    message = N_("This stay belongs to another ward or department.")


@dataclass(frozen=True)
class Scope:
    """None: every stay. Otherwise a stay is in scope when its ward is one of `wards`, its
    department one of `departments`, it has no ward yet and its department is one of
    `expecting` (a nurse's department before the bed is assigned), or it was issued by
    `issuer`."""

    wards: frozenset[int] | None
    departments: frozenset[int] = frozenset()
    expecting: frozenset[int] = frozenset()
    issuer: int | None = None

    def allows(self, ward_id: int | None, department_id: int | None, issued_by_id: int | None = None) -> bool:
        if self.wards is None:
            return True
        return (
            (ward_id is not None and ward_id in self.wards)
            or (department_id is not None and department_id in self.departments)
            or (ward_id is None and department_id is not None and department_id in self.expecting)
            or (issued_by_id is not None and issued_by_id == self.issuer)
        )

    def clause(self, ward_col: Any, department_col: Any, issuer_col: Any = None) -> Any:
        """The same rule as a SQL condition, for lists; None: no condition."""
        if self.wards is None:
            return None
        parts: list[Any] = []
        if self.wards:
            parts.append(ward_col.in_(sorted(self.wards)))
        if self.departments:
            parts.append(department_col.in_(sorted(self.departments)))
        if self.expecting:
            parts.append(and_(ward_col.is_(None), department_col.in_(sorted(self.expecting))))
        if self.issuer is not None and issuer_col is not None:
            parts.append(issuer_col == self.issuer)
        return or_(*parts) if parts else false()


EVERYTHING = Scope(wards=None)


def of(session: Session, user: StaffUser) -> Scope:
    roles = user.roles
    if not roles & SCOPED_ROLES or roles - SCOPED_ROLES:
        return EVERYTHING  # a hospital-wide role (alone or besides) sees every stay
    if user.ward_id is None and user.department_id is None:
        return EVERYTHING
    wards: set[int] = set()
    departments: set[int] = set()
    expecting: set[int] = set()
    issuer = None
    if Role.NURSE in roles:
        if user.ward_id is not None:
            wards.add(user.ward_id)
            home = session.scalar(select(Ward.department_id).where(Ward.id == user.ward_id))
            expecting.update([home] if home is not None else [])
        elif user.department_id is not None:
            wards.update(session.scalars(select(Ward.id).where(Ward.department_id == user.department_id)))
            expecting.add(user.department_id)
    if Role.DOCTOR in roles:
        issuer = user.id
        if user.department_id is not None:
            departments.add(user.department_id)
    return Scope(
        wards=frozenset(wards),
        departments=frozenset(departments),
        expecting=frozenset(expecting),
        issuer=issuer,
    )


def check(
    scope: Scope, ward_id: int | None, department_id: int | None, issued_by_id: int | None = None
) -> None:
    if not scope.allows(ward_id, department_id, issued_by_id):
        raise OutOfScope()
