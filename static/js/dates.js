/* Dates written by scripts as the server writes them (config/formats): French "30/11/2026 14:05",
   English "30 Nov 2026, 14:05", whatever the browser's own region. Loaded before page scripts. */
(function () {
  "use strict";
  const Vigie = (window.Vigie = window.Vigie || {});
  const FORMATS = {
    fr: ["fr-FR", { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }],
    en: ["en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }],
  };

  Vigie.formatDateTime = function (iso, language, timeZone) {
    const [locale, options] = FORMATS[language || document.documentElement.lang] || FORMATS.fr;
    const text = new Intl.DateTimeFormat(locale, timeZone ? { ...options, timeZone } : options).format(new Date(iso));
    return text.replace(/\bSept\b/, "Sep"); // newer CLDR writes "Sept" in en-GB; the server writes "Sep"
  };
})();
