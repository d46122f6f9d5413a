"""Folium tooltips that show labels as text.

Folium's `Tooltip` writes its text into a JavaScript template string (`bindTooltip(`<div>...</div>`)`)
and `GeoJsonTooltip` builds HTML from the feature's properties: a category label or a zone name
that an admin typed with a backtick, `${...}` or `<img onerror=...>` would run as script on every
map, and HTML escaping does not protect a template string. Here the text travels as a JSON string
(`tojson` also escapes `<`, `>` and `&`, so it cannot close the <script>) and reaches the page as a
text node, never parsed."""

import branca.element

PROPERTIES_TOOLTIP = branca.element.Template(
    """{% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.bindTooltip(function (layer) {
        const fields = {{ this.fields|tojson }}, labels = {{ this.labels|tojson }};
        const table = document.createElement("table");
        fields.forEach(function (field, i) {
            const value = layer.feature.properties[field];
            const row = table.insertRow(), label = document.createElement("th");
            label.textContent = labels[i];
            row.appendChild(label);
            row.insertCell().textContent = value === null || value === undefined ? "" : String(value);
        });
        return table;
    }, {{ this.options|tojson }});
{% endmacro %}"""
)


class PropertiesTooltip(branca.element.MacroElement):
    """On a GeoJson layer: a table of some properties of the feature under the pointer, as text."""

    _template = PROPERTIES_TOOLTIP

    def __init__(self, fields: list[str], labels: list[str], *, sticky: bool = True):
        super().__init__()
        self._name = "PropertiesTooltip"
        self.fields, self.labels = list(fields), [str(label) for label in labels]
        self.options = {"sticky": sticky, "className": "foliumtooltip"}
