// AWS Glue compiles the script at Command.ScriptLocation before it starts a Scala job. The
// climate-health-pipeline jobs have no script: their entry point is the class named by --class
// (org.climatehealth.pipeline.Main) in the jar named by --extra-jars, so this file holds no code.
// scripts/deploy-glue.sh uploads it to <artifacts>/glue/entry-point.scala.
