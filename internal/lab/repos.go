package lab

// Maven Central and crates.io are unreachable from these machines; Debian
// packages many of their artifacts and crates, in the layouts those tools
// read. The maven and rust build stand-ins carry them and are configured to
// use them instead (the image's own configuration files, never anything
// slipway generates).

// mavenDebs are Debian packages installed into the maven stand-in: the
// plugins of the default jar lifecycle and a few common libraries. Each
// installs its artifacts under /usr/share/maven-repo (maven-repo-helper's
// layout: the upstream version and a "debian" version of each artifact).
var mavenDebs = []string{
	"libmaven-clean-plugin-java", "libmaven-resources-plugin-java", "libmaven-compiler-plugin-java",
	"libsurefire-java", "libmaven-jar-plugin-java", "libmaven-install-plugin-java",
	"libcommons-lang3-java", "junit4", "libslf4j-java",
}

// mavenSettings makes /usr/share/maven-repo Maven's central repository (a
// profile of the global settings, so a user's ~/.m2/settings.xml still
// applies). Debian's repository has no checksum files: the policy is ignore.
const mavenSettings = `<?xml version="1.0" encoding="UTF-8"?>
<!-- slipway lab stand-in: Maven Central is unreachable here; Debian's packaged
     Maven repository (/usr/share/maven-repo) stands in for it. -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <profiles>
    <profile>
      <id>debian-maven-repo</id>
      <repositories>
        <repository>
          <id>central</id>
          <url>file:///usr/share/maven-repo</url>
          <releases><checksumPolicy>ignore</checksumPolicy></releases>
          <snapshots><enabled>false</enabled></snapshots>
        </repository>
      </repositories>
      <pluginRepositories>
        <pluginRepository>
          <id>central</id>
          <url>file:///usr/share/maven-repo</url>
          <releases><checksumPolicy>ignore</checksumPolicy></releases>
          <snapshots><enabled>false</enabled></snapshots>
        </pluginRepository>
      </pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles>
    <activeProfile>debian-maven-repo</activeProfile>
  </activeProfiles>
</settings>
`

// cargoDebs are Debian's packaged crates installed into the rust stand-in
// (sources under /usr/share/cargo/registry/<crate>-<version>, each with a
// .cargo-checksum.json), with their dependencies.
var cargoDebs = []string{
	"librust-serde-dev", "librust-serde-derive-dev", "librust-serde-json-dev", "librust-anyhow-dev",
	"librust-thiserror-dev", "librust-log-dev", "librust-regex-dev", "librust-itoa-dev",
}

// cargoConfig replaces crates.io with Debian's crates as a directory source.
// Cargo.lock files written against crates.io resolve only where Debian has
// the very versions they pin.
const cargoConfig = `# slipway lab stand-in: crates.io is unreachable here; Debian's packaged
# crates (/usr/share/cargo/registry) stand in for it.
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"
`
