/**
 * The app's icons as SVG path data (24×24, stroked), drawn for Lintel. Kept as data
 * so that one component renders them all and no markup is injected.
 */
function circle(cx: number, cy: number, r: number): string {
  return `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
}

function rect(x: number, y: number, w: number, h: number, r: number): string {
  return `M${x + r} ${y}h${w - 2 * r}a${r} ${r} 0 0 1 ${r} ${r}v${h - 2 * r}a${r} ${r} 0 0 1 ${-r} ${r}h${-(w - 2 * r)}a${r} ${r} 0 0 1 ${-r} ${-r}v${-(h - 2 * r)}a${r} ${r} 0 0 1 ${r} ${-r}z`;
}

export const ICONS = {
  sites: [rect(4, 3, 16, 18, 1.5), "M9 7h1M14 7h1M9 11h1M14 11h1M9 15h1M14 15h1", "M10 21v-3h4v3"],
  plan: ["M3 6.5l6-2.5 6 2.5 6-2.5v13.5l-6 2.5-6-2.5-6 2.5z", "M9 4v13.5M15 6.5V20"],
  commission: [circle(12, 12, 2), "M8.5 8.5a5 5 0 0 0 0 7M15.5 8.5a5 5 0 0 1 0 7", "M5.6 5.6a9 9 0 0 0 0 12.8M18.4 5.6a9 9 0 0 1 0 12.8"],
  people: [circle(9, 8, 3.5), "M2.5 20a6.5 6.5 0 0 1 13 0", "M15.5 4.6a3.5 3.5 0 0 1 0 6.8M18 14a6.5 6.5 0 0 1 3.5 6"],
  pods: ["M12 3l8 4.5v9L12 21l-8-4.5v-9z", "M4 7.5l8 4.5 8-4.5M12 12v9"],
  sync: ["M7 18.5a4.5 4.5 0 0 1-.6-8.96A6 6 0 0 1 17.9 8.6a4.5 4.5 0 0 1-.9 9.9", "M12 12.5v8M9 15.5l3-3 3 3"],
  search: [circle(11, 11, 6.5), "M20 20l-4.3-4.3"],
  alert: [circle(12, 12, 9), "M12 7.5v5.5M12 16.5v.01"],
  info: [circle(12, 12, 9), "M12 11v5.5M12 7.5v.01"],
  close: ["M6 6l12 12M18 6L6 18"],
  plus: ["M12 5v14M5 12h14"],
  folder: ["M3 7.5A2 2 0 0 1 5 5.5h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"],
  sparkle: ["M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9z", "M18.5 16.5l.7 1.8 1.8.7-1.8.7-.7 1.8-.7-1.8-1.8-.7 1.8-.7z"],
  backup: ["M12 4v11M7.5 10.5L12 15l4.5-4.5", "M5 19.5h14"],
  lock: [rect(5, 11, 14, 10, 2), "M8 11V8a4 4 0 0 1 8 0v3"],
  tag: ["M3.5 11.6V4.5a1 1 0 0 1 1-1h7.1l9 9-8.1 8.1z", circle(8, 8, 1.5)],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  chevronLeft: ["M14.5 6l-6 6 6 6"],
  chevronRight: ["M9.5 6l6 6-6 6"],
  file: ["M6 3h8l4 4v14H6z", "M14 3v4h4"],
  door: [rect(6, 3, 12, 18, 1), "M14.5 12v.01", "M3.5 21h17"],
  router: [rect(3, 13, 18, 7, 1.5), "M7 16.5h.01M11 16.5h.01", "M15 13V6M12 8.5a4.2 4.2 0 0 1 6 0"],
  layers: ["M12 3l9 5-9 5-9-5z", "M3 13l9 5 9-5"],
  bluetooth: ["M7 7.5l10 9-5 4.5V3l5 4.5-10 9"],
  clock: [circle(12, 12, 9), "M12 7v5l3 2"],
} as const satisfies Record<string, readonly string[]>;

export type IconName = keyof typeof ICONS;
