package rules

// imageRules are `slipway scan`'s rules over a built image. Ids are stable,
// grouped like the lint rules: SW20x the config (user, healthcheck), SW21x
// file modes, SW22x secrets, SW23x package managers and shells, SW24x
// accounts, SW25x the base image against golden.lock.
func imageRules() []Rule {
	rs := []Rule{
		{
			ID: "SW200", Name: "image-user-root", Severity: Error,
			Message: "The image runs as root (its config's User is empty, root or 0)",
			Why:     "An image without a non-root user runs its process as uid 0 unless every deployment overrides it. A process running as root inside a container is one kernel bug or one mis-mounted volume away from root on the host.",
			Fix:     "Set a numeric non-root USER in the Dockerfile's final stage (after any step that needs root) and rebuild. `slipway generate` always does; `slipway lint --fix` adds one to a hand-written Dockerfile.",
			Example: "COPY --from=build --chown=65532:65532 /out/app /app/app\nUSER 65532:65532\nENTRYPOINT [\"/app/app\"]",
			CIS:     []string{"4.1"}, Hadolint: []string{"DL3002"},
		},
		{
			ID: "SW201", Name: "image-user-not-numeric", Severity: Warning,
			Message: "The image's user is a name, not a numeric uid",
			Why:     "Kubernetes' runAsNonRoot (and other admission policies) can only verify a numeric uid; a name is resolved in the image's /etc/passwd, where it may map to any uid, including 0.",
			Fix:     "Use the numeric uid (and gid) in USER.",
			Example: "RUN useradd --system --uid 10001 app\nUSER 10001:10001",
			CIS:     []string{"4.1"},
		},
		{
			ID: "SW202", Name: "image-healthcheck-missing", Severity: Warning,
			Message: "The image has no HEALTHCHECK",
			Why:     "Orchestrators that read the image's health (Docker, Swarm, Nomad) cannot tell a hung service from a healthy one. (Kubernetes ignores it and uses probes: turn the rule off for such teams in slipway-team.toml.)",
			Fix:     "Add an exec-form HEALTHCHECK that needs no shell (the service's own binary with a health flag, for instance); `slipway init` suggests one.",
			Example: "HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app/server\", \"-healthcheck\"]",
			CIS:     []string{"4.6"},
		},
		{
			ID: "SW210", Name: "image-setuid-setgid", Severity: Warning,
			Message: "Files in the image have the setuid or setgid bit",
			Why:     "A setuid/setgid file runs with its owner's privileges: the usual way from a non-root user back to root. A service image needs none.",
			Fix:     "Strip the bits in the final stage (as root, before USER), or build from a base without them (distroless). slipway's templates do this for bases that run as root.",
			Example: "RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +\nUSER 10001:10001",
			CIS:     []string{"4.8"},
		},
		{
			ID: "SW211", Name: "image-world-writable", Severity: Warning,
			Message: "Files or directories outside /tmp are writable by every user",
			Why:     "Anyone in the container can change a world-writable program, configuration or directory: one compromised process can plant code that another (maybe more privileged) one runs.",
			Fix:     "Remove the write bit for others (chmod o-w); a shared scratch directory needs the sticky bit (chmod 1777), like /tmp.",
			Example: "RUN chmod -R o-w /app",
		},
		{
			ID: "SW220", Name: "image-secret-in-env", Severity: Error,
			Message: "The image's environment carries a credential",
			Why:     "ENV values are stored in the image config: anyone who can pull the image reads them with `docker inspect`, and every container started from it inherits them.",
			Fix:     "Remove the ENV and rotate the credential; give the secret to the container at run time (orchestrator secrets, a mounted file), and to the build only through `RUN --mount=type=secret`.",
			Example: "RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n# slipway build --secret id=npm_token,env=NPM_TOKEN",
			CIS:     []string{"4.10"}, BuildKit: []string{"SecretsUsedInArgOrEnv"},
		},
		{
			ID: "SW221", Name: "image-secret-in-history", Severity: Error,
			Message: "The image history records a credential (a build argument or a command line)",
			Why:     "BuildKit writes every ARG value and the build arguments a RUN uses into the image history (`RUN |1 TOKEN=... /bin/sh -c ...`); `docker history --no-trunc` shows them to anyone who can pull the image.",
			Fix:     "Rotate the credential and rebuild without it: declare no ARG for it, mount it into the one RUN that needs it with `--mount=type=secret`, and build with `slipway build --secret`.",
			Example: "RUN --mount=type=secret,id=github_token,env=GITHUB_TOKEN ./fetch-private-deps.sh\n# slipway build --secret id=github_token,env=GITHUB_TOKEN",
			CIS:     []string{"4.10"}, BuildKit: []string{"SecretsUsedInArgOrEnv"},
		},
		{
			ID: "SW222", Name: "image-secret-file", Severity: Error,
			Message: "Files in the image hold credentials (private keys, cloud or registry credentials, tokens)",
			Why:     "Everything in a layer ships with the image, to every registry and node that pulls it, and stays in the layer even when a later step deletes the file.",
			Fix:     "Rotate the credentials and rebuild without the files: keep them out of the build context (.dockerignore), mount them with `--mount=type=secret,target=...` in the step that needs them, and give them to the container at run time.",
			Example: "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n# slipway build --secret id=npmrc,src=$HOME/.npmrc",
			CIS:     []string{"4.10"},
		},
		{
			ID: "SW223", Name: "image-git-directory", Severity: Warning,
			Message: "The image contains a .git directory (in its filesystem, or in a lower layer that a later step deleted it from)",
			Why:     "A .git directory carries the repository's whole history (including anything once committed and since removed) and often credentials in its config.",
			Fix:     "Add .git to the .dockerignore (`slipway generate` writes one), and copy only what the build needs.",
			Example: "# .dockerignore\n.git\n.gitignore",
			CIS:     []string{"4.10"},
		},
		{
			ID: "SW224", Name: "image-env-file", Severity: Warning,
			Message: "The image contains .env files (in its filesystem, or in a lower layer that a later step deleted them from)",
			Why:     ".env files hold a developer's or an environment's settings, usually with its credentials; configuration belongs to the deployment, not the image.",
			Fix:     "Add .env and .env.* to the .dockerignore and pass settings at run time.",
			Example: "# .dockerignore\n.env\n.env.*\n**/.env",
			CIS:     []string{"4.10"},
		},
		{
			ID: "SW225", Name: "image-secret-in-lower-layer", Severity: Error,
			Message: "A credential file that a later step deleted or overwrote is still in a lower layer of the image",
			Why:     "An image is all of its layers, not the filesystem they add up to: `RUN rm` or a later COPY only hides a file, and anyone who can pull the image fetches the layer that added it (`docker save`, `crane pull`, or one blob from the registry) and reads it.",
			Fix:     "Mount the credential into the one step that needs it with `RUN --mount=type=secret` (`slipway build --secret`), or use it only in a build stage of a multi-stage build and copy the result into the final stage, so that it never enters a layer of the final image. Rotate it, and keep it out of the build context with .dockerignore.",
			Example: "RUN --mount=type=secret,id=deploy_key,target=/root/.ssh/id_ed25519 git clone git@github.com:example/private.git\n# slipway build --secret id=deploy_key,src=$HOME/.ssh/deploy_key",
			CIS:     []string{"4.10"},
		},
		{
			ID: "SW226", Name: "image-secret-in-attestation", Severity: Error,
			Message: "An attestation attached to the image (SLSA provenance, SBOM) records a credential, or could not be read to check",
			Why:     "BuildKit attaches in-toto statements to an image as attestation manifests in its index, and they travel with it to every registry. A max provenance attestation records every build argument verbatim, whatever its name; anyone who can pull the index reads them (`docker buildx imagetools inspect --format '{{json .Provenance}}'`).",
			Fix:     "Rotate the credential and rebuild without it: give it to the build as a secret mount (`slipway build --secret`, `RUN --mount=type=secret`), which provenance records only by its id. An attestation larger than scan's limit, or one whose blob is missing or does not match its digest, is reported too: rebuild or inspect it by hand.",
			Example: "RUN --mount=type=secret,id=gh,env=GH_TOKEN ./fetch-private-deps.sh\n# slipway build --secret id=gh,env=GH_TOKEN --provenance max",
			CIS:     []string{"4.10"}, BuildKit: []string{"SecretsUsedInArgOrEnv"},
		},
		{
			ID: "SW230", Name: "image-apt-lists", Severity: Warning,
			Message: "apt's package lists were left in the image (/var/lib/apt/lists)",
			Why:     "The lists are tens of megabytes that are stale the day after the build, and they say the install step did not clean up.",
			Fix:     "End the RUN that installs packages with `rm -rf /var/lib/apt/lists/*`, or use cache mounts for /var/lib/apt and /var/cache/apt.",
			Example: "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
			CIS:     []string{"4.3"}, Hadolint: []string{"DL3009"},
		},
		{
			ID: "SW231", Name: "image-package-cache", Severity: Warning,
			Message: "A package manager's cache was left in the image (apt archives, apk, npm, pip)",
			Why:     "Caches are build-time data: they make the image bigger and slower to pull and do nothing at run time.",
			Fix:     "Use a BuildKit cache mount for the cache directory (slipway's templates do), or the tool's no-cache flag (apk add --no-cache, pip install --no-cache-dir), or remove it in the same RUN.",
			Example: "RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt",
			CIS:     []string{"4.3"}, Hadolint: []string{"DL3019", "DL3042"},
		},
		{
			ID: "SW232", Name: "image-shell-in-distroless", Severity: Error,
			Message: "The image says it is distroless, but it has a shell",
			Why:     "A distroless image promises no shell and no package manager: nothing for an attacker to run commands with. An image that claims it (label org.opencontainers.image.base.name or description) but has /bin/sh misleads reviewers and policies.",
			Fix:     "Build the final stage FROM the distroless base itself and copy only the program into it, or correct the label if the base is not distroless.",
			Example: "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app/app\nUSER 65532:65532\nENTRYPOINT [\"/app/app\"]",
			CIS:     []string{"4.3"},
		},
		{
			ID: "SW240", Name: "image-duplicate-id", Severity: Warning,
			Message: "Two accounts share a uid, or two groups a gid (/etc/passwd, /etc/group)",
			Why:     "Accounts with the same id are the same identity to the kernel: a second uid 0 is root under another name, and file ownership stops saying who owns a file.",
			Fix:     "Give each account and group its own id; remove the duplicate (often a user created with a fixed uid that the base already uses).",
			Example: "RUN useradd --system --uid 10001 --user-group app",
		},
		{
			ID: "SW241", Name: "image-empty-password", Severity: Error,
			Message: "An account has an empty password (/etc/passwd or /etc/shadow)",
			Why:     "An account with an empty password field lets anyone log in as it (su, login) without a password.",
			Fix:     "Lock the account (`passwd -l NAME` or `usermod -p '!' NAME`), or give it a password hash of `*`/`!`.",
			Example: "RUN passwd -l root",
		},
		{
			ID: "SW250", Name: "image-base-not-golden", Severity: Warning,
			Message: "The image is not built on one of the team's golden images (golden.lock)",
			Why:     "Golden images are the bases the team patches and rebuilds; an image on another base does not get those fixes.",
			Fix:     "Use `base = \"golden:<name>\"` in slipway.toml (or FROM the golden image pinned by its digest in golden.lock) and rebuild.",
			Example: "# slipway.toml\nbase = \"golden:base\"",
			CIS:     []string{"4.2"},
		},
		{
			ID: "SW251", Name: "image-base-golden-stale", Severity: Warning,
			Message: "The image is built on an older build of a golden image than golden.lock pins",
			Why:     "The golden image was rebuilt (new patches) since this image was built: the image still carries the old base and its vulnerabilities.",
			Fix:     "Regenerate and rebuild the service (`slipway generate && slipway build`) so its FROM picks up the digest in golden.lock.",
			Example: "slipway generate && slipway build --tag registry.example.com/team/app:1.2.4 --push",
			CIS:     []string{"4.2", "4.7"},
		},
	}
	for i := range rs {
		rs[i].Kind = KindImage
		rs[i].HelpURI = doc(rs[i].ID)
	}
	return rs
}
