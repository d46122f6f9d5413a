"""OpenAPI generation. Each API class keeps its own `InputSerializer`/`OutputSerializer` nested
inside it, so the plain class names collide; components are named after the API class instead."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction):
        serializer_class = serializer if isinstance(serializer, type) else type(serializer)
        *outer, name = serializer_class.__qualname__.split(".")
        if outer:
            return outer[-1].removesuffix("Api") + name
        return super().get_serializer_name(serializer, direction)
