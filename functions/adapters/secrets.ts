import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Reads the newsletter secret the stack generated in AWS Secrets Manager.
 * @throws when the secret is missing or empty: the function cannot sign links without it
 */
export async function readSecret(secretId: string, client = new SecretsManagerClient({})): Promise<string> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const value = result.SecretString ?? '';
  if (value.length < 32) throw new Error(`secret ${secretId} is empty or shorter than 32 characters`);
  return value;
}
