import { createTransport } from 'nodemailer';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

/** Sends e-mail; built only when SMTP is configured. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** An SMTP mailer for `smtp://` or `smtps://user:pass@host:port` (nodemailer). */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = createTransport(url);
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
    close() {
      transport.close();
    },
  };
}
