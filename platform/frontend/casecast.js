// Casecast's page script, loaded on every page as an ES module:
//   <script type="module" src="{% static 'casecast/casecast.js' %}"></script>
// Copied as-is by build.mjs. Starts every GOV.UK Frontend component
// (elements with data-module="govuk-…") on pages whose <body> has the
// govuk-frontend-supported class. Add small Casecast behaviour below.
import { initAll } from './govuk-frontend.min.js'

initAll()
