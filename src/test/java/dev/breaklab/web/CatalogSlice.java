package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.system.LabProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Import;

/**
 * For web slice tests: the real catalog (every experiment's definition, built without Spark: a
 * definition is data, only {@code run(...)} needs a session) and the real request validator with
 * the lab's limits ({@code lab.runs.*}).
 */
@TestConfiguration(proxyBeanMethods = false)
@ComponentScan(basePackageClasses = Catalog.class)
@Import(RunRequestValidator.class)
@EnableConfigurationProperties(LabProperties.class)
class CatalogSlice {}
