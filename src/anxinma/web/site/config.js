// The configuration `anxinma web build` writes: the pinned root key(s), in hex.
// This unbuilt copy pins nothing, so the page verifies nothing until it is built.
export default { roots: [], build: 'unbuilt', demo: false, policy: {}, visitsUrl: null };
