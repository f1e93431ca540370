"""`{{ amount|money:workspace.currency }}`: productops.money's format, a builtin filter."""

from django import template

from productops.money import format_money

register = template.Library()
register.filter("money", format_money)
