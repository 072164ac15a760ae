/** Whether the page is in its dark theme (follows the system, as the CSS does). */
class Theme {
  dark = $state(false);

  constructor() {
    if (typeof matchMedia !== 'function') return;
    const query = matchMedia('(prefers-color-scheme: dark)');
    this.dark = query.matches;
    query.addEventListener('change', (e) => (this.dark = e.matches));
  }
}

export const theme = new Theme();
