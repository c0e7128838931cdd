import { AppError } from "../errors/index.ts";

/**
 * The refusals of the open path, one constructor each so every caller says the same
 * thing. None of them is raised after the file was modified.
 */
export const siteFileErrors = {
  notFound: (path: string) => new AppError("site.not_found", `No site file at ${path}.`, { path }),

  exists: (path: string) =>
    new AppError("site.exists", `A file already exists at ${path}; a new site needs a new file.`, { path }),

  notLintel: (path: string, reason: string) =>
    new AppError("site.not_lintel", `${path} is not a Lintel site file (${reason}).`, { path, reason }),

  corrupt: (path: string, reason: string) =>
    new AppError("site.corrupt", `The site file ${path} is damaged (${reason}). Open a backup instead.`, { path, reason }),

  tooNew: (path: string, fileVersion: number, appVersion: number) =>
    new AppError(
      "site.too_new",
      `The site file ${path} needs schema version ${fileVersion}, but this Lintel supports up to version ${appVersion}. Update Lintel to open it.`,
      { path, fileVersion, appVersion },
    ),

  unreadable: (path: string, reason: string) =>
    new AppError("site.unreadable", `The site file ${path} cannot be read (${reason}).`, { path, reason }),
} as const;
