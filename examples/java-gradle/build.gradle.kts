plugins {
    application
}

group = "dev.slipway"
version = "1.0.0"

// Compile for Java 17 with whatever JDK (>= 17) runs Gradle; no toolchain download needed.
tasks.withType<JavaCompile>().configureEach {
    options.release = 17
    options.encoding = "UTF-8"
}

application {
    mainClass = "dev.slipway.hello.Main"
}

tasks.jar {
    manifest {
        attributes("Main-Class" to "dev.slipway.hello.Main")
    }
}

// Reproducible archives.
tasks.withType<AbstractArchiveTask>().configureEach {
    isPreserveFileTimestamps = false
    isReproducibleFileOrder = true
}
