"""`{{ moment|age }}` and `{{ days|days_ago }}`: productops.ages's phrases ("just now", "5 min
ago"; "today", "yesterday", "3 days ago"), builtin filters."""

from django import template

from productops.ages import age, days_ago

register = template.Library()
register.filter("age", age)
register.filter("days_ago", days_ago)
