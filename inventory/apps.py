from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "tool inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory.demo import seed_inventory
        from inventory.importers import ToolImporter
        from inventory.selectors import palette as palette_finders
        from productops import demo, imports, palette
        from productops.capabilities import Capability
        from productops.navigation import NavItem, register
        from productops.palette import Kind

        register(NavItem("Tools", "tool_list", Capability.VIEW_TOOLS, "i", 30))
        palette.register(Kind("tools", Capability.VIEW_TOOLS, palette_finders.tools, 30))
        imports.register(ToolImporter())
        demo.register("tool inventory", seed_inventory, order=10)
