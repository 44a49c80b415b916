// The CDK app: `npx cdk synth` / `npx cdk deploy`. Settings come from content/site.yaml and the CDK
// context (cdk.json or -c key=value); see README, "Deploy to AWS".
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/core/errors.ts';
import { loadDeploymentConfig } from './deployment-config.ts';
import { repoPath } from './handler-bundling.ts';
import { HeraldStack } from './herald-stack.ts';

const app = new App();
try {
  const config = loadDeploymentConfig(repoPath('content/site.yaml'), (key) => app.node.tryGetContext(key));
  new HeraldStack(app, String(app.node.tryGetContext('stackName') ?? 'Herald'), {
    config,
    description: `Herald feed publisher for ${config.site.title}`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
