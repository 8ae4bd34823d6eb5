/** Text for HTML content and attribute values: the site's pages write every value from a run through this. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
