"""`{{ moment|age }}`: productops.ages's phrase ("just now", "5 min ago"), a builtin filter."""

from django import template

from productops.ages import age

register = template.Library()
register.filter("age", age)
