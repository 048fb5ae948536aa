"""Who wants which bill: rule catalog and audience filters shared by subscribers and webhooks.

A subscriber (or webhook notifier) follows rules by id and/or by tag, in some jurisdictions,
above a minimum weight. :class:`Audience` turns those settings, checked against the rules in
force, into the set of rule ids to look for in the ``matches`` table.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_


@dataclass(frozen=True)
class RuleInfo:
    """What the notifiers need to know about one rule."""

    id: str
    name: str
    tags: tuple[str, ...] = ()
    weight: float = 1.0
    alert: bool = False


RuleCatalog = Mapping[str, RuleInfo]


def rule_catalog(ruleset: Any) -> dict[str, RuleInfo]:
    """Rule id -> :class:`RuleInfo`, from a ``rules.integration.RuleSet`` or an iterable of rules.

    Accepts a RuleSet exposing ``.rules`` (a list or a dict by id), a plain dict by id, or any
    iterable of rule objects; each rule needs ``id`` and may have name, tags, weight, alert.
    """
    if ruleset is None:
        return {}
    rules: Iterable[Any] = getattr(ruleset, "rules", ruleset)
    if isinstance(rules, Mapping):
        rules = rules.values()
    catalog: dict[str, RuleInfo] = {}
    for rule in rules:
        if not _attr(rule, "enabled", True):  # a disabled rule concerns nobody
            continue
        if isinstance(rule, RuleInfo):
            catalog[rule.id] = rule
            continue
        rule_id = str(_attr(rule, "id"))
        catalog[rule_id] = RuleInfo(
            id=rule_id,
            name=str(_attr(rule, "name", None) or rule_id),
            tags=tuple(_attr(rule, "tags", None) or ()),
            weight=float(_attr(rule, "weight", None) or 1.0),
            alert=bool(_attr(rule, "alert", False)),
        )
    return catalog


def follow_problems(config: Any, ruleset: Any) -> list[str]:
    """Rule ids and tags that a subscriber or notifier follows but no rule file has (a typo
    would mean "never anything"), as config problems. Disabled rules count as known."""
    rules = list(getattr(ruleset, "rules", None) or [])
    ids = sorted({rule.id for rule in rules})
    tags = sorted({tag for rule in rules for tag in rule.tags})
    problems = []
    for kind, items in (("subscriber", config.subscribers), ("notifier", config.notifiers)):
        for i, item in enumerate(items):
            where = f"{kind}[{i}] ({item.email if kind == 'subscriber' else item.name})"
            problems += [f"{where}.rules: unknown rule {r!r} (rules: {', '.join(ids) or 'none'})"
                         for r in item.rules if r not in ids]
            problems += [f"{where}.tags: unknown tag {t!r} (tags: {', '.join(tags) or 'none'})"
                         for t in item.tags if t not in tags]
    return problems


def check_follows(config: Any, ruleset: Any) -> None:
    """Raise ConfigError listing :func:`follow_problems`, if any."""
    from monitor.errors import ConfigError

    problems = follow_problems(config, ruleset)
    if problems:
        where = f" in {config.path}" if getattr(config, "path", None) else ""
        raise ConfigError(f"invalid config{where} ({len(problems)} problem{'s' * (len(problems) > 1)})", problems,
                          hint="follow rule ids and tags that the config's rule files define (listed above)")


def _attr(rule: Any, name: str, default: Any = ...) -> Any:
    if isinstance(rule, Mapping):
        return rule[name] if default is ... else rule.get(name, default)
    return getattr(rule, name) if default is ... else getattr(rule, name, default)


def jurisdiction_matches(patterns: Iterable[str], jurisdiction: str) -> bool:
    """True when ``jurisdiction`` (``US-TX``) fits one of the patterns (``US-*``); no patterns: all."""
    patterns = list(patterns)
    if not patterns:
        return True
    code = jurisdiction.upper()
    return any(fnmatch.fnmatchcase(code, pattern) for pattern in patterns)


@dataclass(frozen=True)
class Audience:
    """The filter of one subscriber or notifier: rules/tags, jurisdictions, minimum weight."""

    rules: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    min_weight: float = 0.0

    @classmethod
    def of(cls, settings: Any) -> Audience:
        """From a SubscriberConfig or NotifierConfig (anything with the same four keys)."""
        return cls(
            rules=tuple(settings.rules),
            tags=tuple(settings.tags),
            jurisdictions=tuple(settings.jurisdictions),
            min_weight=float(settings.min_weight),
        )

    def rule_ids(self, catalog: RuleCatalog) -> set[str]:
        """The rule ids this audience follows among the rules in force (no rules or tags: all)."""
        if not self.rules and not self.tags:
            return set(catalog)
        wanted = {r for r in self.rules if r in catalog}
        tags = set(self.tags)
        wanted |= {rule.id for rule in catalog.values() if tags.intersection(rule.tags)}
        return wanted

    def alert_rule_ids(self, catalog: RuleCatalog) -> set[str]:
        """The followed rules marked ``alert = true``."""
        return {r for r in self.rule_ids(catalog) if catalog[r].alert}

    def unknown_rules(self, catalog: RuleCatalog) -> list[str]:
        """Rule ids and tags named by this audience that no rule in force has (a likely typo)."""
        known_tags = {t for rule in catalog.values() for t in rule.tags}
        missing = [r for r in self.rules if r not in catalog]
        missing += [f"tag:{t}" for t in self.tags if t not in known_tags]
        return missing

    def wants_jurisdiction(self, jurisdiction: str) -> bool:
        return jurisdiction_matches(self.jurisdictions, jurisdiction)

    def jurisdiction_condition(self, column: Any) -> Any:
        """The same test as SQL on ``column`` (None: every jurisdiction), so that the database
        hands over only this audience's bills."""
        if not self.jurisdictions:
            return None
        clauses = []
        for pattern in self.jurisdictions:
            if "*" in pattern or "?" in pattern:
                clauses.append(column.like(pattern.replace("*", "%").replace("?", "_")))
            else:
                clauses.append(column == pattern)
        return or_(*clauses)
