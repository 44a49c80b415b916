import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { HANDLER_BUNDLING, repoPath } from './handler-bundling.ts';

/**
 * A Herald function: Node.js 22 on ARM64, bundled as the benchmark bundles it (ESM, minified, with
 * source maps and the AWS SDK inside).
 * @param entry - the handler's path from the repository root
 */
export function heraldFunction(
  scope: Construct,
  id: string,
  entry: string,
  props: Omit<nodejs.NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'bundling'> & {
    environment: Record<string, string>;
  },
): nodejs.NodejsFunction {
  const { banner, ...bundling } = HANDLER_BUNDLING;
  return new nodejs.NodejsFunction(scope, id, {
    ...props,
    entry: repoPath(entry),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: bundling.target,
      minify: bundling.minify,
      sourceMap: bundling.sourcemap,
      mainFields: [...bundling.mainFields],
      externalModules: [...bundling.external],
      nodeModules: [...bundling.nodeModules],
      bundleAwsSDK: true,
      banner,
      esbuildArgs: {
        '--legal-comments': bundling.legalComments,
        ...Object.fromEntries(
          Object.entries(bundling.alias).map(([name, path]) => [`--alias:${name}`, path]),
        ),
      },
    },
  });
}
