// distribution's routes: the name, tag and digest grammar, which methods each route takes, and which
// access (pull, push, delete) a request needs under token auth.

// distribution's route grammar (reference.NameRegexp): an optional domain-like first component
// (which may hold capitals), then lowercase path components.
const DOMAIN =
  "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?";
// distribution writes the separator as `(?:[._]|__|[-]*)`; RE2 runs that in linear time, JavaScript
// would backtrack exponentially, so the empty alternative is dropped (same language).
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST_ROUTE = "[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";
export const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

export interface Route {
  id: string;
  re: RegExp;
  methods: string[];
}

export const ROUTES: Route[] = [
  { id: "/v2/", re: /^\/v2\/$/, methods: [] },
  {
    id: "/v2/{name}/manifests/{reference}",
    re: new RegExp(`^/v2/(${NAME})/manifests/(${TAG}|${DIGEST_ROUTE})$`),
    methods: ["DELETE", "GET", "HEAD", "PUT"],
  },
  { id: "/v2/{name}/tags/list", re: new RegExp(`^/v2/(${NAME})/tags/list$`), methods: ["GET"] },
  { id: "/v2/{name}/blobs/uploads/", re: new RegExp(`^/v2/(${NAME})/blobs/uploads/$`), methods: [] },
  {
    id: "/v2/{name}/blobs/uploads/{uuid}",
    re: new RegExp(`^/v2/(${NAME})/blobs/uploads/([a-zA-Z0-9-_.=]+)$`),
    methods: [],
  },
  {
    id: "/v2/{name}/blobs/{digest}",
    re: new RegExp(`^/v2/(${NAME})/blobs/(${DIGEST_ROUTE})$`),
    methods: ["DELETE", "GET", "HEAD"],
  },
];

/** Which access a request needs, as distribution's token auth names it. */
export function actionsFor(route: string, method: string): string[] {
  if (route === "/v2/") return [];
  if (method === "DELETE" && !route.includes("uploads")) return ["delete"];
  if (route.includes("uploads") || method === "PUT") return ["pull", "push"];
  return ["pull"];
}
