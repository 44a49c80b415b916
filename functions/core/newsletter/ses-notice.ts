/** What SES reports about a message after sending it, as far as suppression goes. */
export interface DeliveryNotice {
  kind: 'bounce' | 'complaint';
  /** Permanent bounces and every complaint stop all mail to the addresses. */
  permanent: boolean;
  addresses: string[];
  /** e.g. "Permanent/General" or the complaint's feedback type. */
  detail: string;
  /** ISO 8601. */
  at: string;
}

/**
 * Reads one SES notification (the JSON in an SNS message) from a configuration set's event
 * destination (`eventType`) or an identity's feedback notifications (`notificationType`).
 * @returns undefined for other events (deliveries, sends) and for text that is not a notification
 */
export function parseSesNotice(message: string): DeliveryNotice | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const type = value.eventType ?? value.notificationType;
  if (type === 'Bounce') {
    const bounce = (value.bounce ?? {}) as {
      bounceType?: string;
      bounceSubType?: string;
      timestamp?: string;
      bouncedRecipients?: { emailAddress?: string }[];
    };
    return {
      kind: 'bounce',
      permanent: bounce.bounceType === 'Permanent',
      addresses: addressesOf(bounce.bouncedRecipients),
      detail: `${bounce.bounceType ?? 'Unknown'}/${bounce.bounceSubType ?? 'Unknown'}`,
      at: bounce.timestamp ?? new Date(0).toISOString(),
    };
  }
  if (type === 'Complaint') {
    const complaint = (value.complaint ?? {}) as {
      complaintFeedbackType?: string;
      timestamp?: string;
      complainedRecipients?: { emailAddress?: string }[];
    };
    return {
      kind: 'complaint',
      permanent: true,
      addresses: addressesOf(complaint.complainedRecipients),
      detail: complaint.complaintFeedbackType ?? 'complaint',
      at: complaint.timestamp ?? new Date(0).toISOString(),
    };
  }
  return undefined;
}

function addressesOf(recipients: { emailAddress?: string }[] | undefined): string[] {
  // SES may give "Name <a@b>"; what matters is the address inside.
  return (recipients ?? [])
    .map((r) => r.emailAddress ?? '')
    .map((a) => /<([^<>]+)>/.exec(a)?.[1] ?? a)
    .filter((a) => a !== '');
}
