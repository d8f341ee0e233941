// An ordinary link (opens in a new tab, keyboard and screen readers treat it as one) that moves
// between the console's pages without a reload.
import type { MouseEvent, ReactNode } from "react";
import { navigate, pathOf, type Route } from "../router";

export function Link({ to, children }: { to: Route; children: ReactNode }): ReactNode {
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={pathOf(to)} onClick={onClick}>
      {children}
    </a>
  );
}
