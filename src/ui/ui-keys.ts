/**
 * The view's keys and what each does: its help (`?`) and `devsup ui --help` show this one list.
 * Data only, so `devsup --help` loads it without the view.
 */
export const UI_KEYS: [string, string][] = [
  ['↑ ↓, j k', 'select a service (in the list), scroll a line (in the logs)'],
  ['Enter, Tab', 'switch between the list and the logs'],
  ['PgUp PgDn', 'scroll the logs a page; Home End: the oldest and the newest line'],
  ['f', 'follow the newest lines, or hold the view still'],
  ['a', 'every service merged, or the selected one alone'],
  ['r', 'restart the selected service'],
  ['s', 'stop the selected service, or start it'],
  ['t', 'the port table, with who holds each preferred port'],
  ['/', 'search the logs (a capital letter matches case); n older match, N newer; Esc clears'],
  ['?', 'this list'],
  ['q, Ctrl-C', 'close the view (in `devsup up --ui`: stop every service)'],
  ['mouse', 'a click selects a service; the wheel scrolls the logs'],
];
